import FluentKit

/// Platform's own migrations, registered first by the App in this order.
public enum PlatformMigrations {
    public static var all: [any Migration] {
        [CreateAuditEvents(), CreateJobs()]
    }
}
