import Testing

/// The artifacts of `make dist deb oci`, installed and run the way users get them. One at a time: the Debian
/// suite installs /usr/bin/htpasswd over Apache's, which the other suites use as their oracle.
@Suite("Packaging", .serialized)
struct PackagingTests {}
