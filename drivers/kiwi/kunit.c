// SPDX-License-Identifier: GPL-2.0
/*
 * kiwi: the wire library's exports for the KUnit suite (tests/kunit),
 * only in kernels with KUnit; Kbuild compiles this file only then.
 *
 * The suite tests the module's own code, not a copy, so kiwi.ko exports
 * what it calls into the EXPORTED_FOR_KUNIT_TESTING namespace, which only
 * a module that imports it (kiwi_kunit.ko) can bind to.  Kernel-side
 * functions are exported next to their definitions, file-local ones made
 * VISIBLE_IF_KUNIT there (kiwi_kunit.h).  The wire files cannot carry
 * kernel macros (they build in userspace too), so their exports are
 * here, away from the definitions; scripts/checkpatch.sh knows.
 *
 * Copyright (c) 2026 The kiwi authors
 */
#include <kunit/visibility.h>
#include <linux/module.h>

#include <kiwi/crc32c.h>
#include <kiwi/ddp.h>
#include <kiwi/fpdu.h>
#include <kiwi/markers.h>
#include <kiwi/mpa.h>
#include <kiwi/terminate.h>

EXPORT_SYMBOL_IF_KUNIT(kiwi_crc32c_update);
EXPORT_SYMBOL_IF_KUNIT(kiwi_crc32c);
EXPORT_SYMBOL_IF_KUNIT(kiwi_crc32c_shift);
EXPORT_SYMBOL_IF_KUNIT(kiwi_crc32c_combine);
EXPORT_SYMBOL_IF_KUNIT(kiwi_opcode_lookup);
EXPORT_SYMBOL_IF_KUNIT(kiwi_fpdu_hdr_need);
EXPORT_SYMBOL_IF_KUNIT(kiwi_fpdu_hdr_parse);
EXPORT_SYMBOL_IF_KUNIT(kiwi_fpdu_hdr_build);
EXPORT_SYMBOL_IF_KUNIT(kiwi_fpdu_max_ulpdu);
EXPORT_SYMBOL_IF_KUNIT(kiwi_fpdu_trailer_build);
EXPORT_SYMBOL_IF_KUNIT(kiwi_fpdu_trailer_check);
EXPORT_SYMBOL_IF_KUNIT(kiwi_mkr_fpdu_wire_len);
EXPORT_SYMBOL_IF_KUNIT(kiwi_mkr_max_ulpdu);
EXPORT_SYMBOL_IF_KUNIT(kiwi_mpa_rr_build);
EXPORT_SYMBOL_IF_KUNIT(kiwi_mpa_rr_parse);
EXPORT_SYMBOL_IF_KUNIT(kiwi_mpa_request_init);
EXPORT_SYMBOL_IF_KUNIT(kiwi_mpa_negotiate_responder);
EXPORT_SYMBOL_IF_KUNIT(kiwi_mpa_negotiate_initiator);
EXPORT_SYMBOL_IF_KUNIT(kiwi_wire_err_code);
EXPORT_SYMBOL_IF_KUNIT(kiwi_wire_err_name);
EXPORT_SYMBOL_IF_KUNIT(kiwi_term_code_valid);
EXPORT_SYMBOL_IF_KUNIT(kiwi_term_build);
EXPORT_SYMBOL_IF_KUNIT(kiwi_term_parse);

