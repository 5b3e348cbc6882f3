// Every differentiable op, by layer family (nerve/ops/<family>.h).
#pragma once
#include "nerve/ops/activations.h"
#include "nerve/ops/attention.h"
#include "nerve/ops/convolutional.h"
#include "nerve/ops/core.h"
#include "nerve/ops/embedding.h"
#include "nerve/ops/math.h"
#include "nerve/ops/merge.h"
#include "nerve/ops/normalization.h"
#include "nerve/ops/pooling.h"
#include "nerve/ops/recurrent.h"
#include "nerve/ops/regularization.h"
#include "nerve/ops/reshaping.h"
