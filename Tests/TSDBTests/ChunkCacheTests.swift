import Testing

@testable import TSDB

@Suite("Decompressed chunk cache")
struct ChunkCacheTests {
    final class Owner {}

    static func key(_ owner: Owner, _ offset: Int64) -> ChunkCache.Key {
        ChunkCache.Key(block: ObjectIdentifier(owner), file: 1, offset: offset)
    }

    @Test("entries come back until the byte bound pushes the oldest out")
    func eviction() {
        let cache = ChunkCache(capacity: 1600)
        let owner = Owner()
        for offset in 0..<10 { cache.put(Self.key(owner, Int64(offset)), [UInt8](repeating: UInt8(offset), count: 100)) }
        #expect(cache.usedBytes == 1000)
        #expect(cache.get(Self.key(owner, 3)) == [UInt8](repeating: 3, count: 100))
        for offset in 10..<20 { cache.put(Self.key(owner, Int64(offset)), [UInt8](repeating: UInt8(offset), count: 100)) }
        #expect(cache.usedBytes <= 1600)
        #expect(cache.get(Self.key(owner, 0)) == nil)
        #expect(cache.get(Self.key(owner, 19)) == [UInt8](repeating: 19, count: 100))
        // An entry larger than a sixteenth of the bound is not kept.
        cache.put(Self.key(owner, 99), [UInt8](repeating: 0, count: 101))
        #expect(cache.get(Self.key(owner, 99)) == nil)
    }

    @Test("a block's entries leave with it; other blocks' stay")
    func removal() {
        let cache = ChunkCache(capacity: 1 << 20)
        let gone = Owner(), kept = Owner()
        cache.put(Self.key(gone, 1), [1, 2, 3])
        cache.put(Self.key(kept, 1), [4, 5])
        cache.remove(block: ObjectIdentifier(gone))
        #expect(cache.get(Self.key(gone, 1)) == nil)
        #expect(cache.get(Self.key(kept, 1)) == [4, 5])
        #expect(cache.usedBytes == 2)
    }
}
