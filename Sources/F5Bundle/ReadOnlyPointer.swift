/// A pointer into memory that nothing writes any more, with the object that keeps that memory allocated:
/// a PROT_READ file mapping, or a buffer its owner filled before handing it to a tensor view.
///
/// `@unchecked Sendable`: the bytes behind `pointer` are only read from the moment this value exists (the
/// mapping is read-only; a buffer's owner gives up writing when it wraps it), and `owner` keeps them alive,
/// so any thread may read them. This is the one place in F5Bundle where that promise is made.
public struct ReadOnlyPointer: @unchecked Sendable {
    public let pointer: UnsafeRawPointer
    /// Keeps the memory alive for as long as the pointer is held.
    public let owner: AnyObject

    public init(_ pointer: UnsafeRawPointer, owner: AnyObject) {
        self.pointer = pointer
        self.owner = owner
    }
}
