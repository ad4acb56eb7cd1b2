// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
#ifndef KIWI_TEST_UTIL_H
#define KIWI_TEST_UTIL_H

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace kiwi_test {

using Bytes = std::vector<uint8_t>;

/* "01 c0 ff" -> bytes; spaces ignored */
inline Bytes hex(const char *s)
{
	Bytes out;
	int hi = -1;
	for (; *s; s++) {
		int v;
		if (*s >= '0' && *s <= '9')
			v = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			v = *s - 'a' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			out.push_back((uint8_t)(hi << 4 | v));
			hi = -1;
		}
	}
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
