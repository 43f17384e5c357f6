import Testing

@testable import TideScaling

@Suite("HPA replica rules")
struct ReplicaRecommenderTests {
    let policy = ReplicaPolicy(minReplicas: 1, maxReplicas: 10, tolerance: 0.1, scaleDownWindowSeconds: 300)

    @Test func neededRoundsUpAndIsZeroWithoutLoad() {
        #expect(ReplicaRecommender.needed(load: 0, perReplica: 8) == 0)
        #expect(ReplicaRecommender.needed(load: 1, perReplica: 8) == 1)
        #expect(ReplicaRecommender.needed(load: 16, perReplica: 8) == 2)
        #expect(ReplicaRecommender.needed(load: 17, perReplica: 8) == 3)
        #expect(ReplicaRecommender.needed(load: 5, perReplica: 0) == 5)
    }

    @Test func smallChangesWithinTheToleranceKeepTheCurrentCount() {
        #expect(ReplicaRecommender.withinTolerance(needed: 21, current: 20, tolerance: 0.1) == 20)
        #expect(ReplicaRecommender.withinTolerance(needed: 19, current: 20, tolerance: 0.1) == 20)
        #expect(ReplicaRecommender.withinTolerance(needed: 23, current: 20, tolerance: 0.1) == 23)
        #expect(ReplicaRecommender.withinTolerance(needed: 17, current: 20, tolerance: 0.1) == 17)
        // No ratio exists from or to zero: the change is made.
        #expect(ReplicaRecommender.withinTolerance(needed: 1, current: 0, tolerance: 0.5) == 1)
        #expect(ReplicaRecommender.withinTolerance(needed: 0, current: 1, tolerance: 0.5) == 0)
    }

    @Test func scaleUpIsImmediateWhateverTheHistory() {
        let history = [ReplicaRecommender.Sample(at: 90, replicas: 2)]
        let outcome = ReplicaRecommender.evaluate(needed: 7, current: 2, policy: policy, history: history, now: 100)
        #expect(outcome.desired == 7)
        #expect(outcome.recommended == 7)
        #expect(outcome.history.map(\.replicas) == [2, 7])
    }

    @Test func scaleDownWaitsForTheHighestRecommendationOfTheWindowToLeaveIt() {
        var history: [ReplicaRecommender.Sample] = []
        var current = 0
        func step(needed: Int, at now: Double) -> Int {
            let outcome = ReplicaRecommender.evaluate(
                needed: needed, current: current, policy: policy, history: history, now: now)
            history = outcome.history
            current = outcome.desired
            return outcome.desired
        }
        #expect(step(needed: 8, at: 0) == 8)
        #expect(step(needed: 2, at: 10) == 8)
        #expect(step(needed: 5, at: 200) == 8)
        // At 300 the sample of 0 is exactly one window old and leaves it; 5 (from 200) is the highest left.
        #expect(step(needed: 2, at: 300) == 5)
        #expect(step(needed: 2, at: 499) == 5)
        #expect(step(needed: 2, at: 501) == 2)
        #expect(history.allSatisfy { $0.at > 501 - 300 })
    }

    @Test func aScaleDownNeverRaisesAboveTheCurrentCount() {
        // Workers were removed by hand to 3; a high old recommendation must not scale back up.
        let history = [ReplicaRecommender.Sample(at: 50, replicas: 9)]
        let outcome = ReplicaRecommender.evaluate(needed: 1, current: 3, policy: policy, history: history, now: 60)
        #expect(outcome.desired == 3)
    }

    @Test func resultsAreClampedToTheBounds() {
        let high = ReplicaRecommender.evaluate(needed: 40, current: 2, policy: policy, history: [], now: 0)
        #expect(high.desired == 10)
        #expect(high.recommended == 40)
        let idle = ReplicaRecommender.evaluate(needed: 0, current: 0, policy: policy, history: [], now: 0)
        #expect(idle.desired == 1)
        let belowMinimum = ReplicaRecommender.evaluate(
            needed: 0, current: 0, policy: ReplicaPolicy(minReplicas: 3, maxReplicas: 5), history: [], now: 0)
        #expect(belowMinimum.desired == 3)
    }

    @Test func aQueueScalesToZeroOnlyWhenItsMinimumIsZeroAndTheWindowHasPassed() {
        let zeroable = ReplicaPolicy(minReplicas: 0, maxReplicas: 4, scaleDownWindowSeconds: 60)
        let busy = ReplicaRecommender.evaluate(needed: 2, current: 0, policy: zeroable, history: [], now: 0)
        #expect(busy.desired == 2)
        let soon = ReplicaRecommender.evaluate(needed: 0, current: 2, policy: zeroable, history: busy.history, now: 30)
        #expect(soon.desired == 2)
        let later = ReplicaRecommender.evaluate(needed: 0, current: 2, policy: zeroable, history: soon.history, now: 61)
        #expect(later.desired == 0)
    }

    @Test func policyNormalisesImpossibleBounds() {
        let policy = ReplicaPolicy(minReplicas: -2, maxReplicas: -1)
        #expect(policy.minReplicas == 0)
        #expect(policy.maxReplicas == 0)
        #expect(ReplicaPolicy(minReplicas: 4, maxReplicas: 2).maxReplicas == 4)
    }
}
