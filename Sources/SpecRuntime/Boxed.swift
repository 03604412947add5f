/// Indirect storage for a structure held by another: generated code stores a field this way when the
/// spec's references make it recursive (a node's optional parent) or deep (a chain of structures each
/// holding the next), so that no type's layout grows with the chain, which a struct stored inline would.
///
/// Immutable: setting the field stores a new box, so values keep value semantics.
public final class Boxed<Value: Hashable & Sendable>: Hashable, Sendable {
    public let value: Value

    public init(_ value: Value) {
        self.value = value
    }

    public static func == (lhs: Boxed, rhs: Boxed) -> Bool { lhs.value == rhs.value }

    public func hash(into hasher: inout Hasher) { hasher.combine(value) }
}
