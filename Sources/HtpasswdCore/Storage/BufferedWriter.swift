import Glibc
import SystemPackage

/// Collects bytes and writes them to a descriptor in large blocks.
final class BufferedWriter {
    private let fd: CInt
    private var buffer: UnsafeMutableRawBufferPointer
    private var count = 0
    /// Bytes accepted so far, written or buffered.
    private(set) var total = 0

    init(fd: CInt, capacity: Int = 1 << 18) {
        self.fd = fd
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        buffer.deallocate()
    }

    func append(_ bytes: UnsafeBufferPointer<UInt8>) throws(SystemError) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        total += bytes.count
        if count + bytes.count > buffer.count {
            try flush()
            if bytes.count > buffer.count {
                try Syscall.writeAll(fd, UnsafeRawBufferPointer(bytes))
                return
            }
        }
        (buffer.baseAddress! + count).copyMemory(from: source, byteCount: bytes.count)
        count += bytes.count
    }

    func append(_ bytes: [UInt8]) throws(SystemError) {
        try bytes.withBuffer { (raw) throws(SystemError) in try append(raw) }
    }

    /// Counts `count` bytes written to the descriptor directly (by a kernel copy), after a ``flush()``.
    func noteWrittenDirectly(_ count: Int) {
        total += count
    }

    func flush() throws(SystemError) {
        guard count > 0 else { return }
        try Syscall.writeAll(fd, UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        count = 0
    }

    /// A scratch area for copies that cannot happen in the kernel.
    var scratch: UnsafeMutableRawBufferPointer { buffer }
}
