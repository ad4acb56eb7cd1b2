// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#ifndef KIWI_TEST_UTIL_H
#define KIWI_TEST_UTIL_H

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "vectors/vectors.h"

namespace kiwi_test {

using Bytes = std::vector<uint8_t>;

/* "01 c0 ff" -> bytes, with the vector tables' own decoder; text that
 * does not decode (an odd digit out) gives no bytes. */
inline Bytes hex(const char *s)
{
	Bytes out(std::strlen(s) / 2 + 1);
	int n = kiwi_vec_hex(s, out.data(), out.size());

	out.resize(n < 0 ? 0 : (size_t)n);
	return out;
}

inline std::string to_hex(const Bytes &b)
{
	std::string s;
	char buf[4];
	for (uint8_t x : b) {
		snprintf(buf, sizeof(buf), "%02x", x);
		s += buf;
	}
	return s;
}

inline Bytes str_bytes(const char *s)
{
	return Bytes(s, s + std::char_traits<char>::length(s));
}

} // namespace kiwi_test

#endif
