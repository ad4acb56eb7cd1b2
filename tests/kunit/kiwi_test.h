/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiwi_kunit: fixtures shared by the test files.  Each test builds the
 * few kiwi objects it needs by hand (a device with an empty MR table,
 * MRs, a QP with rings); nothing is registered with ib_core and no
 * socket exists.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#ifndef KIWI_TEST_H
#define KIWI_TEST_H

#include <kunit/test.h>

#include "kiwi.h"
#include "kiwi_param.h"
#include "mem.h"
#include "qp.h"

/* A device whose only working part is its MR table. */
struct kiwi_device *kiwi_test_dev(struct kunit *test);

/* A PD; only its address matters to kiwi. */
struct ib_pd *kiwi_test_pd(struct kunit *test);

/*
 * An MR published under STag index @index with key @key, holding the one
 * reference a registration holds.  The test's exit unpublishes it and
 * checks that nothing still holds a reference.
 */
struct kiwi_mr *kiwi_test_mr(struct kunit *test, struct kiwi_device *kdev,
			     struct ib_pd *pd, enum kiwi_mr_type type,
			     u32 index, u8 key, int access, u64 iova,
			     u64 length);

#endif /* KIWI_TEST_H */
