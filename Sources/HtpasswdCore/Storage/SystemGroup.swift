import Glibc

/// System groups, for the group of a new htpasswd file (`www-data` on Debian, `nginx` on Alpine and RHEL),
/// looked up without loading NSS modules into this process.
///
/// htpass's release binary is a static executable: there, `getgrnam_r` loads the NSS modules named in
/// /etc/nsswitch.conf (libnss_systemd...) against a second, shared libc, and a lookup that reaches one
/// crashes. So the `files` source, /etc/group, is read here, where www-data and nginx are; any other
/// source (systemd, LDAP, sssd) is asked through `getent group`, a separate, dynamically linked process.
///
/// That process is the only one htpass starts, and it gets nothing of htpass's: it is run by absolute path
/// (htpass often runs as root with a `PATH` someone else set, through `sudo -E` or a script), with an empty
/// environment (the variable `--password-env` names holds a password; `LD_PRELOAD` and `LD_LIBRARY_PATH`
/// would choose the child's code), and with standard input from `/dev/null`. htpass opens every file with
/// `O_CLOEXEC`, so the child inherits none of them.
package enum SystemGroup {
    /// The id of the group called `name`, or of the group whose decimal id is `name`; nil if there is none.
    package static func id(named name: String) -> UInt32? {
        let records = fileRecords()
        if let record = records.first(where: { $0.name == name }) { return record.id }
        if let number = UInt32(name), records.contains(where: { $0.id == number }) { return number }
        return getent(name)?.id
    }

    /// The name of the group with id `id`, or its number as text.
    package static func name(of id: UInt32) -> String {
        fileRecords().first(where: { $0.id == id })?.name ?? getent(String(id))?.name ?? String(id)
    }

    /// The ids of the groups in /etc/group that list `user` as a member (its supplementary groups).
    package static func memberships(of user: String) -> [UInt32] {
        guard let fd = Descriptor.open("/etc/group", O_RDONLY) else { return [] }
        return readAll(fd.raw).split(separator: UInt8(ascii: "\n")).compactMap { line in
            let fields = line.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            guard fields.count >= 4, let id = UInt32(String(decoding: fields[2], as: UTF8.self)) else { return nil }
            let members = fields[3].split(separator: UInt8(ascii: ",")).map { String(decoding: $0, as: UTF8.self) }
            return members.contains(user) ? id : nil
        }
    }

    /// Whether the user with id `user` is a member of the group `group`, by /etc/passwd (its primary group)
    /// and /etc/group (its supplementary groups); nil when /etc/passwd does not list the user (a user from
    /// another source, such as LDAP), whose groups are then unknown.
    package static func user(_ user: UInt32, isMemberOf group: UInt32) -> Bool? {
        guard let fd = Descriptor.open("/etc/passwd", O_RDONLY) else { return nil }
        let text = readAll(fd.raw)
        fd.close()
        for line in text.split(separator: UInt8(ascii: "\n")) {
            // name:password:uid:gid:...
            let fields = line.split(separator: UInt8(ascii: ":"), maxSplits: 4, omittingEmptySubsequences: false)
            guard fields.count >= 4, UInt32(String(decoding: fields[2], as: UTF8.self)) == user else { continue }
            if UInt32(String(decoding: fields[3], as: UTF8.self)) == group { return true }
            return memberships(of: String(decoding: fields[0], as: UTF8.self)).contains(group)
        }
        return nil
    }

    private typealias Record = (name: String, id: UInt32)

    /// `name:password:id:members` lines.
    private static func records(in text: [UInt8]) -> [Record] {
        text.split(separator: UInt8(ascii: "\n")).compactMap { line in
            let fields = line.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false)
            guard fields.count >= 3, let id = UInt32(String(decoding: fields[2], as: UTF8.self)) else { return nil }
            return (String(decoding: fields[0], as: UTF8.self), id)
        }
    }

    private static func fileRecords() -> [Record] {
        guard let fd = Descriptor.open("/etc/group", O_RDONLY) else { return [] }
        return records(in: readAll(fd.raw))
    }

    /// `getent group KEY`: the first record it prints, or nil if it finds none or cannot run.
    private static func getent(_ key: String) -> Record? {
        guard let program = getentPath else { return nil }
        var pipeEnds: [CInt] = [-1, -1]
        guard pipe(&pipeEnds) == 0 else { return nil }
        let output = Descriptor(adopting: pipeEnds[0])
        let input = Descriptor(adopting: pipeEnds[1])
        _ = fcntl(output.raw, F_SETFD, FD_CLOEXEC)
        _ = fcntl(input.raw, F_SETFD, FD_CLOEXEC)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[1], STDOUT_FILENO)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0)
        let arguments: [UnsafeMutablePointer<CChar>?] =
            [program, "group", key].map { (word: String) in strdup(word) } + [nil]
        defer { arguments.forEach { free($0) } }
        let environment: [UnsafeMutablePointer<CChar>?] = [nil]
        var pid = pid_t()
        let spawned = posix_spawn(&pid, program, &actions, nil, arguments, environment)
        // The child has its copy: this end closed, the read sees the end of its output.
        input.close()
        guard spawned == 0 else { return nil }
        let printed = readAll(output.raw)
        var status: CInt = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else { return nil }
        return records(in: printed).first
    }

    /// Where `getent` is: `/usr/bin/getent` (every distribution with a merged /usr, and most without), else
    /// `/bin/getent`; never a search of `PATH`. nil if neither is there.
    private static var getentPath: String? {
        ["/usr/bin/getent", "/bin/getent"].first { access($0, X_OK) == 0 }
    }

    private static func readAll(_ fd: CInt) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return result }
            result.append(contentsOf: chunk[..<n])
        }
    }
}
