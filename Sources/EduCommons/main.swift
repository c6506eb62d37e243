import App
await App.main()
