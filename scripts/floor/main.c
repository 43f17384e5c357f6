#include <stdio.h>
#include <stdlib.h>

int tide_floor_run(const char *database_url, const char *redis_host, int redis_port,
                   const char *redis_password);

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: %s DATABASE_URL REDIS_HOST REDIS_PORT REDIS_PASSWORD\n", argv[0]);
    return 2;
  }
  return tide_floor_run(argv[1], argv[2], atoi(argv[3]), argv[4]);
}
