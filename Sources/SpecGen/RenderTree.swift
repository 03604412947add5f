import Mustache

/// Turns a template context into the tree the templates read: strings, booleans and integers as they are,
/// lists as arrays, structs as ``RenderNode``s, and absent optionals as ``NullValue`` (so a nil key is
/// known, not missing). A context's synthesized `encode(to:)` names each of its keys, so converting it
/// takes no reflection; it is the cheap half of rendering a spec of a thousand structures.
enum RenderTree {
    static func convert<Value: Encodable>(_ value: Value) -> Any {
        if Value.self == String.self { return RenderText(unsafeBitCast(value, to: String.self)) }
        if Value.self == Bool.self { return unsafeBitCast(value, to: Bool.self) }
        if Value.self == Int.self { return unsafeBitCast(value, to: Int.self) }
        let builder = Builder()
        // The contexts are plain structs of the types above, whose encoding does not throw.
        do { try value.encode(to: builder) } catch { return NullValue() }
        return builder.result
    }

    /// What one value encodes to: a keyed container makes a node, an unkeyed one a list.
    final class Builder: Encoder {
        var codingPath: [any CodingKey] { [] }
        var userInfo: [CodingUserInfoKey: Any] { [:] }
        fileprivate var members: Members?
        fileprivate var items: Items?
        fileprivate var single: Any?

        var result: Any {
            if let members { return RenderNode(members) }
            if let items { return items.values }
            return single ?? NullValue()
        }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            let members = self.members ?? Members()
            self.members = members
            return KeyedEncodingContainer(KeyedContainer<Key>(members: members))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            let items = self.items ?? Items()
            self.items = items
            return UnkeyedContainer(items: items)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(builder: self) }
    }

    /// A struct's keys and values.
    final class Members { var values: [String: Any] = [:] }

    /// A list's items; placed in its parent before they are encoded when it is a nested container.
    final class Items: MustacheCustomRepresentation {
        var values: [Any] = []
        var representation: Any? { values }
    }

    fileprivate struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let members: Members
        var codingPath: [any CodingKey] { [] }

        private func put(_ value: Any, _ key: Key) { members.values[key.stringValue] = value }

        mutating func encodeNil(forKey key: Key) { put(NullValue(), key) }
        mutating func encode(_ value: Bool, forKey key: Key) { put(value, key) }
        mutating func encode(_ value: String, forKey key: Key) { put(RenderText(value), key) }
        mutating func encode(_ value: Int, forKey key: Key) { put(value, key) }
        mutating func encode(_ value: Double, forKey key: Key) { put(value, key) }
        mutating func encode(_ value: Float, forKey key: Key) { put(value, key) }
        mutating func encode(_ value: Int8, forKey key: Key) { put(Int(value), key) }
        mutating func encode(_ value: Int16, forKey key: Key) { put(Int(value), key) }
        mutating func encode(_ value: Int32, forKey key: Key) { put(Int(value), key) }
        mutating func encode(_ value: Int64, forKey key: Key) { put(value, key) }
        mutating func encode(_ value: UInt, forKey key: Key) { put(value, key) }
        mutating func encode(_ value: UInt8, forKey key: Key) { put(Int(value), key) }
        mutating func encode(_ value: UInt16, forKey key: Key) { put(Int(value), key) }
        mutating func encode(_ value: UInt32, forKey key: Key) { put(Int(value), key) }
        mutating func encode(_ value: UInt64, forKey key: Key) { put(value, key) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) { put(RenderTree.convert(value), key) }

        // Synthesized encoding skips nil optionals; the templates must still see the key.
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) { put(value.map { $0 as Any } ?? NullValue(), key) }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) { put(value.map { RenderText($0) as Any } ?? NullValue(), key) }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) { put(value.map { $0 as Any } ?? NullValue(), key) }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) { put(value.map { $0 as Any } ?? NullValue(), key) }
        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) {
            put(value.map { RenderTree.convert($0) } ?? NullValue(), key)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
            -> KeyedEncodingContainer<NestedKey>
        {
            let nested = Members()
            put(RenderNode(nested), key)
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(members: nested))
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            let nested = Items()
            put(nested, key)
            return UnkeyedContainer(items: nested)
        }

        mutating func superEncoder() -> any Encoder { Builder() }
        mutating func superEncoder(forKey key: Key) -> any Encoder { Builder() }
    }

    fileprivate struct UnkeyedContainer: UnkeyedEncodingContainer {
        let items: Items
        var codingPath: [any CodingKey] { [] }
        var count: Int { items.values.count }

        mutating func encodeNil() { items.values.append(NullValue()) }
        mutating func encode(_ value: Bool) { items.values.append(value) }
        mutating func encode(_ value: String) { items.values.append(RenderText(value)) }
        mutating func encode(_ value: Int) { items.values.append(value) }
        mutating func encode(_ value: Double) { items.values.append(value) }
        mutating func encode(_ value: Float) { items.values.append(value) }
        mutating func encode(_ value: Int8) { items.values.append(Int(value)) }
        mutating func encode(_ value: Int16) { items.values.append(Int(value)) }
        mutating func encode(_ value: Int32) { items.values.append(Int(value)) }
        mutating func encode(_ value: Int64) { items.values.append(value) }
        mutating func encode(_ value: UInt) { items.values.append(value) }
        mutating func encode(_ value: UInt8) { items.values.append(Int(value)) }
        mutating func encode(_ value: UInt16) { items.values.append(Int(value)) }
        mutating func encode(_ value: UInt32) { items.values.append(Int(value)) }
        mutating func encode(_ value: UInt64) { items.values.append(value) }
        mutating func encode<T: Encodable>(_ value: T) { items.values.append(RenderTree.convert(value)) }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            let nested = Members()
            items.values.append(RenderNode(nested))
            return KeyedEncodingContainer(KeyedContainer<NestedKey>(members: nested))
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            let nested = Items()
            items.values.append(nested)
            return UnkeyedContainer(items: nested)
        }

        mutating func superEncoder() -> any Encoder { Builder() }
    }

    fileprivate struct SingleContainer: SingleValueEncodingContainer {
        let builder: Builder
        var codingPath: [any CodingKey] { [] }

        mutating func encodeNil() { builder.single = NullValue() }
        mutating func encode(_ value: Bool) { builder.single = value }
        mutating func encode(_ value: String) { builder.single = RenderText(value) }
        mutating func encode(_ value: Int) { builder.single = value }
        mutating func encode(_ value: Double) { builder.single = value }
        mutating func encode(_ value: Float) { builder.single = value }
        mutating func encode(_ value: Int8) { builder.single = Int(value) }
        mutating func encode(_ value: Int16) { builder.single = Int(value) }
        mutating func encode(_ value: Int32) { builder.single = Int(value) }
        mutating func encode(_ value: Int64) { builder.single = value }
        mutating func encode(_ value: UInt) { builder.single = value }
        mutating func encode(_ value: UInt8) { builder.single = Int(value) }
        mutating func encode(_ value: UInt16) { builder.single = Int(value) }
        mutating func encode(_ value: UInt32) { builder.single = Int(value) }
        mutating func encode(_ value: UInt64) { builder.single = value }
        mutating func encode<T: Encodable>(_ value: T) { builder.single = RenderTree.convert(value) }
    }
}

/// A struct of a context, as the templates see it.
final class RenderNode: MustacheParent {
    private let members: RenderTree.Members
    /// Set on the root only: a key is missing when the lookup falls through every nested context down to
    /// the root and the root lacks it too.
    var recorder: MissingKeyRecorder?

    init(_ members: RenderTree.Members) {
        self.members = members
    }

    func child(named name: String) -> Any? {
        if let value = members.values[name] { return value }
        recorder?.missing.append(name)
        return nil
    }
}

/// A string, as the templates see it. swift-mustache renders a value it does not know by `String(describing:)`
/// after several dynamic casts; a renderable answers with its text after one, and strings are most of what
/// a template prints.
struct RenderText: MustacheCustomRenderable {
    let renderText: String
    init(_ text: String) { renderText = text }
    var isNull: Bool { false }
}

/// A known key whose value is absent: renders as nothing and counts as false in sections.
struct NullValue: MustacheCustomRenderable {
    var renderText: String { "" }
    var isNull: Bool { true }
}
