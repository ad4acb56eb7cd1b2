/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * The child half of the process-kill tests: a separate process (the suite's
 * own binary, re-executed) that connects to the test's listener and keeps
 * work in flight until it is killed.
 */
#ifndef KIWI_VERBS_CHILD_H
#define KIWI_VERBS_CHILD_H

#include <cstdint>

namespace kv {

/* The private data both sides of the process-kill tests exchange. */
struct BufInfo {
	uint64_t addr;
	uint32_t rkey;
	uint32_t len;
};

int child_main(int argc, char **argv);

} /* namespace kv */

#endif
