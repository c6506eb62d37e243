import App
import Foundation

exit(await runEduCommons())
