import Testing

@testable import WarrantEngine

/// The slots that bound how many token batches one process runs at once.
@Suite struct TokenBatchSlotsTests {
    @Test func aFullSetOfSlotsRefusesUntilOneIsGivenBack() {
        let slots = TokenBatchSlots(limit: 2)
        #expect(slots.take() && slots.take())
        #expect(!slots.take())
        slots.giveBack()
        #expect(slots.take())
        #expect(!slots.take())
    }
}
