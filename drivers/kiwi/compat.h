/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kiwi: the kernel API differences between the kernels kiwi supports
 * (Linux 6.1 through 6.12), in one place.  Every difference is a feature
 * test keyed on the version that introduced it; the rest of the driver
 * uses the KIWI_HAVE_* names or the wrappers below, never a version
 * number.  Documentation/kernel-versions.rst says how to add a kernel.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#ifndef KIWI_COMPAT_H
#define KIWI_COMPAT_H

#include <linux/version.h>
#include <rdma/ib_verbs.h>

/*
 * 6.11: create_cq takes the uverbs attribute bundle, not the udata (the
 * two wrappers in cq.c).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define KIWI_HAVE_CREATE_CQ_ATTRS	1
#endif

/*
 * 6.10: a zero-copy notification (struct ubuf_info) points at an ops
 * table instead of holding its callback (zc.c).
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 10, 0)
#define KIWI_HAVE_UBUF_INFO_OPS	1
#endif

/*
 * 6.13: symbol namespaces are string literals.  The KUnit suite imports
 * the namespace kiwi.ko exports its internals into.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 13, 0)
#define KIWI_MODULE_IMPORT_KUNIT_NS() \
	MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING")
#else
#define KIWI_MODULE_IMPORT_KUNIT_NS() \
	MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING)
#endif

#endif /* KIWI_COMPAT_H */
