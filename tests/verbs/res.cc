// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#include "res.h"
#include "common.h"

#include <fstream>
#include <sstream>

namespace kv {

ResCounts res_counts()
{
	ResCounts r;
	std::istringstream in(run_cmd("rdma res show 2>/dev/null"));
	std::string line;

	/* 0: siw0: pd 1 cq 2 qp 1 cm_id 3 mr 0 ctx 1 srq 0 */
	while (std::getline(in, line)) {
		std::istringstream l(line);
		std::string idx, dev, key;
		int val;

		if (!(l >> idx >> dev))
			continue;
		if (!dev.empty() && dev.back() == ':')
			dev.pop_back();
		while (l >> key >> val)
			r[dev][key] = val;
	}
	return r;
}

std::string res_str(const ResCounts &r)
{
	std::string s;

	for (auto &d : r) {
		s += d.first + ":";
		for (auto &k : d.second)
			s += " " + k.first + " " + std::to_string(k.second);
		s += "; ";
	}
	return s;
}

std::string res_owned_by(pid_t pid)
{
	std::string out;
	std::string needle = "pid " + std::to_string(pid) + " ";

	for (const char *kind : { "qp", "cq", "mr", "pd", "cm_id", "ctx", "srq" }) {
		std::istringstream in(run_cmd(std::string("rdma res show ") + kind +
					      " 2>/dev/null"));
		std::string line;

		while (std::getline(in, line))
			if ((line + " ").find(needle) != std::string::npos)
				out += std::string(kind) + ": " + line + "\n";
	}
	return out;
}

int module_refcnt(const std::string &mod)
{
	std::ifstream f("/sys/module/" + mod + "/refcnt");
	int n = -1;

	if (!(f >> n))
		return -1;
	return n;
}

std::map<std::string, int> module_refcnts()
{
	const Config &c = Config::get();
	std::map<std::string, int> m;

	m[c.dev_type] = module_refcnt(c.dev_type);
	m[c.peer_type] = module_refcnt(c.peer_type);
	return m;
}

} /* namespace kv */
