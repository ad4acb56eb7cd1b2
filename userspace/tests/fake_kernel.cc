// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * kiwi: the fake kernel's system calls.  verbs.c makes the real ones; the
 * unit tests link the data path (sq.c, rq.c, cq.c) against these.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include "fake_kernel.h"

namespace kiwi_test {
Syscalls syscalls;
}

extern "C" void kiwi_sq_doorbell(struct kiwi_qp *qp)
{
	kiwi_test::syscalls.doorbells++;
	kiwi_test::syscalls.last_qp = qp;
}

extern "C" void kiwi_rq_flush_kick(struct kiwi_qp *qp)
{
	kiwi_test::syscalls.flush_kicks++;
	kiwi_test::syscalls.last_qp = qp;
}
