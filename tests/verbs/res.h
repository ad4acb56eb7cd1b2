/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Resource accounting from outside the process: the kernel's restrack view
 * (rdma res show) and the driver modules' reference counts, to prove that
 * a dead process left nothing behind.
 */
#ifndef KIWI_VERBS_RES_H
#define KIWI_VERBS_RES_H

#include <map>
#include <string>
#include <sys/types.h>

namespace kv {

/* "rdma res show" as device -> resource -> count. */
using ResCounts = std::map<std::string, std::map<std::string, int>>;
ResCounts res_counts();
std::string res_str(const ResCounts &r);

/* Lines of "rdma res show <qp|cq|mr|pd|cm_id|ctx|srq>" naming this pid. */
std::string res_owned_by(pid_t pid);

/* /sys/module/<mod>/refcnt, or -1. */
int module_refcnt(const std::string &mod);

/* The driver modules under test (one, or two for siw/kiwi interop). */
std::map<std::string, int> module_refcnts();

} /* namespace kv */

#endif
