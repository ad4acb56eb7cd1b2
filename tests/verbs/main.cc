// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/*
 * kiwi_verbs_test: the verbs suite.  Run it as root in the test guest after
 * tests/vm/verbs-suite.sh has set up the namespaces and the devices; see
 * common.h for the environment it reads.
 *
 * "kiwi_verbs_test --child <mode> ..." is the child half of the
 * process-kill tests (child.cc), started by the suite itself.
 */
#include "child.h"
#include "common.h"
#include "events.h"

#include <cstring>

namespace {

class SuiteEnv : public ::testing::Environment {
public:
	void SetUp() override
	{
		const kv::Config &c = kv::Config::get();

		printf("kiwi verbs suite: client %s (%s, netns %s, %s), "
		       "server %s (%s, netns %s, %s)\n",
		       c.client_dev.c_str(), c.dev_type.c_str(), c.client_ns.c_str(),
		       c.client_ip.c_str(), c.server_dev.c_str(), c.peer_type.c_str(),
		       c.server_ns.c_str(), c.server_ip.c_str());
	}
	void TearDown() override { kv::AsyncEvents::get().stop(); }
};

} /* namespace */

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "--child"))
		return kv::child_main(argc - 2, argv + 2);
	::testing::InitGoogleTest(&argc, argv);
	::testing::AddGlobalTestEnvironment(new SuiteEnv);
	return RUN_ALL_TESTS();
}
