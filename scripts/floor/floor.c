// What every Tide worker does with the C libraries the mission names, and nothing else: connect to
// PostgreSQL with libpq, to Redis with hiredis, initialize libcurl. scripts/bench-floor links it
// into a C program and into Swift programs to measure the RSS no worker can go below.
#include <curl/curl.h>
#include <hiredis/hiredis.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

// VmHWM of this process, in KiB; -1 if unreadable.
static long peak_kib(void) {
  FILE *status = fopen("/proc/self/status", "r");
  if (!status) return -1;
  char line[256];
  long kib = -1;
  while (fgets(line, sizeof line, status))
    if (sscanf(line, "VmHWM: %ld kB", &kib) == 1) break;
  fclose(status);
  return kib;
}

// Connects as a worker does and prints "linked <KiB>" and "connected <KiB>". 0 on success.
int tide_floor_run(const char *database_url, const char *redis_host, int redis_port,
                   const char *redis_password) {
  printf("linked %ld\n", peak_kib());
  PGconn *pg = PQconnectdb(database_url);
  if (PQstatus(pg) != CONNECTION_OK) {
    fprintf(stderr, "floor: PostgreSQL: %s", PQerrorMessage(pg));
    return 1;
  }
  PGresult *result = PQexec(pg, "SELECT 1");
  int pg_ok = PQresultStatus(result) == PGRES_TUPLES_OK;
  PQclear(result);
  redisContext *redis = redisConnect(redis_host, redis_port);
  if (!redis || redis->err) {
    fprintf(stderr, "floor: Redis: %s\n", redis ? redis->errstr : "out of memory");
    return 1;
  }
  redisReply *reply = redis_password[0] ? redisCommand(redis, "AUTH %s", redis_password) : NULL;
  if (reply) freeReplyObject(reply);
  reply = redisCommand(redis, "PING");
  int redis_ok = reply && reply->type == REDIS_REPLY_STATUS && strcmp(reply->str, "PONG") == 0;
  if (reply) freeReplyObject(reply);
  if (!pg_ok || !redis_ok || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
    fprintf(stderr, "floor: a call failed (PostgreSQL %d, Redis %d)\n", pg_ok, redis_ok);
    return 1;
  }
  CURL *handle = curl_easy_init();
  curl_easy_cleanup(handle);
  printf("connected %ld\n", peak_kib());
  fflush(stdout);
  return 0;
}
