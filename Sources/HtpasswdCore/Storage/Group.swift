#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Looks up system groups, for the group of a new htpasswd file (`www-data` on Debian, `nginx` on Alpine).
public enum SystemGroup {
    /// The id of the group called `name` (through the reentrant `getgrnam_r`), or of the group whose
    /// decimal id is `name`; nil if there is no such group.
    public static func id(named name: String) -> UInt32? {
        if let found = lookUp({ group, buffer, size, result in getgrnam_r(name, group, buffer, size, result) }) {
            return found.id
        }
        if let number = UInt32(name), lookUp({ getgrgid_r(number, $0, $1, $2, $3) }) != nil {
            return number
        }
        return nil
    }

    /// The name of the group with id `id` (through `getgrgid_r`), or its number as text.
    public static func name(of id: UInt32) -> String {
        lookUp({ getgrgid_r(id, $0, $1, $2, $3) })?.name ?? String(id)
    }

    /// The caller's effective group id: the group a new file gets when no group is given.
    public static var current: UInt32 { getegid() }

    private typealias Lookup = (
        UnsafeMutablePointer<group>, UnsafeMutablePointer<CChar>, Int,
        UnsafeMutablePointer<UnsafeMutablePointer<group>?>
    ) -> CInt

    /// Calls a `getgr*_r` function, growing the buffer on `ERANGE`.
    private static func lookUp(_ call: Lookup) -> (id: UInt32, name: String)? {
        var size = 1024
        while size <= 1 << 20 {
            var entry = group()
            var result: UnsafeMutablePointer<group>? = nil
            var buffer = [CChar](repeating: 0, count: size)
            let code = buffer.withUnsafeMutableBufferPointer { call(&entry, $0.baseAddress!, size, &result) }
            if code == ERANGE {
                size *= 4
                continue
            }
            guard code == 0, let found = result?.pointee else { return nil }
            return (found.gr_gid, String(cString: found.gr_name))
        }
        return nil
    }
}
