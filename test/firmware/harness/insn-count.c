/* snnc test harness: a QEMU TCG plugin that counts executed guest instructions exactly, in
 * total and inside given address ranges (the compute kernel), printed to stderr at exit.
 * Usage: -plugin ./insn-count.so,range=0x100-0x400,range=0x800-0x900. Debian ships no
 * qemu-plugin.h, so the few declarations of the documented plugin API are spelled out here. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdbool.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*tb_trans_cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb);
typedef void (*udata_cb)(qemu_plugin_id_t id, void *userdata);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb, size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);
void qemu_plugin_register_vcpu_insn_exec_inline(struct qemu_plugin_insn *insn, enum qemu_plugin_op op, void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

static uint64_t total, inside;
static uint64_t lo[64], hi[64];
static int ranges;

static void on_tb(qemu_plugin_id_t id, struct qemu_plugin_tb *tb) {
  (void)id;
  size_t n = qemu_plugin_tb_n_insns(tb);
  for (size_t i = 0; i < n; i++) {
    struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, i);
    uint64_t pc = qemu_plugin_insn_vaddr(insn);
    qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &total, 1);
    for (int r = 0; r < ranges; r++) {
      if (pc >= lo[r] && pc < hi[r]) {
        qemu_plugin_register_vcpu_insn_exec_inline(insn, QEMU_PLUGIN_INLINE_ADD_U64, &inside, 1);
        break;
      }
    }
  }
}

static void at_exit(qemu_plugin_id_t id, void *p) {
  (void)id;
  (void)p;
  fprintf(stderr, "insns=%llu compute=%llu\n", (unsigned long long)total, (unsigned long long)inside);
  fflush(stderr);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info, int argc, char **argv) {
  (void)info;
  for (int i = 0; i < argc; i++) {
    if (strncmp(argv[i], "range=", 6) == 0 && ranges < 64) {
      char *dash = strchr(argv[i] + 6, '-');
      if (!dash) return -1;
      lo[ranges] = strtoull(argv[i] + 6, 0, 0);
      hi[ranges] = strtoull(dash + 1, 0, 0);
      ranges++;
    }
  }
  qemu_plugin_register_vcpu_tb_trans_cb(id, on_tb);
  qemu_plugin_register_atexit_cb(id, at_exit, 0);
  return 0;
}
