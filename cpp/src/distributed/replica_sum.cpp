#include "nerve/replica_sum.h"

namespace nerve {

namespace {
thread_local ReplicaSum* current = nullptr;
}  // namespace

ReplicaSum* current_replica_sum() { return current; }

ReplicaSumScope::ReplicaSumScope(ReplicaSum* replicas) : previous_(current) { current = replicas; }

ReplicaSumScope::~ReplicaSumScope() { current = previous_; }

}  // namespace nerve
