// getPeerCred(fd) -> {pid, uid, gid}: the credentials the kernel recorded for the process at the
// other end of a connected Unix socket when it called connect() (SO_PEERCRED, Linux). The Workload
// API server uses them to attest callers (src/lib/workloadapi/attest/peercred.ts).
// Plain Node-API C, no node-addon-api; built by scripts/build.mjs with gcc against Node's headers.
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <node_api.h>

static napi_value throw_error(napi_env env, const char *code, const char *message) {
  napi_throw_error(env, code, message);
  return NULL;
}

static int set_int(napi_env env, napi_value obj, const char *name, int64_t value) {
  napi_value v;
  if (napi_create_int64(env, value, &v) != napi_ok) return 0;
  return napi_set_named_property(env, obj, name, v) == napi_ok;
}

static napi_value get_peer_cred(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) {
    return throw_error(env, "ERR_INVALID_ARG", "getPeerCred(fd) needs a file descriptor");
  }
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    return throw_error(env, "ERR_INVALID_ARG", "getPeerCred(fd): fd must be a non-negative integer");
  }
  struct ucred cred;
  socklen_t len = sizeof cred;
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return throw_error(env, "ERR_PEERCRED", strerror(errno));
  }
  napi_value result;
  if (napi_create_object(env, &result) != napi_ok) return NULL;
  if (!set_int(env, result, "pid", cred.pid) || !set_int(env, result, "uid", cred.uid) ||
      !set_int(env, result, "gid", cred.gid)) {
    return NULL;
  }
  return result;
}

NAPI_MODULE_INIT() {
  napi_value fn;
  if (napi_create_function(env, "getPeerCred", NAPI_AUTO_LENGTH, get_peer_cred, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "getPeerCred", fn) != napi_ok) return NULL;
  return exports;
}
