// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi benchreport: turn the SAMPLE lines of tests/bench/bench.guest into
 * a table of medians with kiwi/siw and kiwi/TCP ratios, and a CSV file.
 *
 *   benchreport CSV-OUT < guest logs
 *
 * Input lines: SAMPLE <path> <metric> <size> <impl> <value> <unit>
 * impl is kiwi, kiwi-nopoll, kiwi-mss, kiwi-zc, siw or tcp.  TCP's tcp_bw / tcp_lat samples
 * are the baseline of the RDMA bandwidth / latency rows of the same path
 * and size.  For latency a ratio below 1 means kiwi is faster.
 */
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

namespace {

struct Key {
	std::string path, metric;
	long size;
	auto operator<=>(const Key &) const = default;
};

using Samples = std::map<std::string, std::vector<double>>;	// by impl

std::optional<double> median(std::vector<double> v)
{
	if (v.empty())
		return std::nullopt;
	std::sort(v.begin(), v.end());
	size_t n = v.size();
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

std::string fmt(std::optional<double> v, const char *f = "%.2f")
{
	if (!v)
		return "-";
	char buf[32];
	std::snprintf(buf, sizeof(buf), f, *v);
	return buf;
}

std::optional<double> ratio(std::optional<double> a, std::optional<double> b)
{
	if (!a || !b || *b == 0)
		return std::nullopt;
	return *a / *b;
}

} // namespace

int main(int argc, char **argv)
{
	if (argc != 2) {
		std::cerr << "usage: benchreport CSV-OUT < logs\n";
		return 2;
	}
	std::map<Key, Samples> rows;
	std::map<Key, std::string> units;
	std::map<std::tuple<std::string, std::string, long>, std::vector<double>> tcp;
	std::string line;

	while (std::getline(std::cin, line)) {
		auto at = line.find("SAMPLE ");
		if (at == std::string::npos)
			continue;
		std::istringstream in(line.substr(at + 7));
		std::string path, metric, impl, unit;
		long size;
		double value;
		if (!(in >> path >> metric >> size >> impl >> value >> unit))
			continue;
		if (impl == "tcp") {
			tcp[{path, metric, size}].push_back(value);
			continue;
		}
		Key k{path, metric, size};
		rows[k][impl].push_back(value);
		units[k] = unit;
	}
	if (rows.empty()) {
		std::cerr << "benchreport: no samples\n";
		return 1;
	}

	std::ofstream csv(argv[1]);
	csv << "path,metric,size,unit,kiwi,kiwi_nopoll,kiwi_mss,kiwi_zc,siw,tcp,"
	       "kiwi_over_siw,kiwi_over_tcp,kiwi_nopoll_over_tcp,"
	       "kiwi_mss_over_tcp,kiwi_zc_over_tcp,samples\n";
	std::printf("%-7s %-13s %8s %-6s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n",
		    "path", "metric", "size", "unit", "kiwi", "nopoll", "mss",
		    "zc", "siw", "tcp", "kiwi/siw", "kiwi/tcp", "nopol/tcp",
		    "mss/tcp", "zc/tcp");
	for (auto &[k, s] : rows) {
		auto kiwi = median(s["kiwi"]);
		auto nopoll = median(s["kiwi-nopoll"]);
		auto mss = median(s["kiwi-mss"]);
		auto zc = median(s["kiwi-zc"]);
		auto siw = median(s["siw"]);
		bool bw = k.metric.find("_bw") != std::string::npos;
		auto base = median(tcp[{k.path, bw ? "tcp_bw" : "tcp_lat", k.size}]);
		size_t n = s["kiwi"].size();

		std::printf("%-7s %-13s %8ld %-6s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n",
			    k.path.c_str(), k.metric.c_str(), k.size,
			    units[k].c_str(), fmt(kiwi).c_str(),
			    fmt(nopoll).c_str(), fmt(mss).c_str(),
			    fmt(zc).c_str(), fmt(siw).c_str(),
			    fmt(base).c_str(),
			    fmt(ratio(kiwi, siw)).c_str(),
			    fmt(ratio(kiwi, base)).c_str(),
			    fmt(ratio(nopoll, base)).c_str(),
			    fmt(ratio(mss, base)).c_str(),
			    fmt(ratio(zc, base)).c_str());
		csv << k.path << ',' << k.metric << ',' << k.size << ','
		    << units[k] << ',' << fmt(kiwi) << ',' << fmt(nopoll) << ','
		    << fmt(mss) << ',' << fmt(zc) << ',' << fmt(siw) << ','
		    << fmt(base) << ','
		    << fmt(ratio(kiwi, siw), "%.3f") << ','
		    << fmt(ratio(kiwi, base), "%.3f") << ','
		    << fmt(ratio(nopoll, base), "%.3f") << ','
		    << fmt(ratio(mss, base), "%.3f") << ','
		    << fmt(ratio(zc, base), "%.3f") << ',' << n << '\n';
	}
	return 0;
}
