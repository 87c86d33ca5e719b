/* The C floor for 1 MiB throughput over a named FIFO, which the peer suite's limit/ipc.c lacks
 * (it has `rtt fifo` but `bw` only for pipe, pipe1m and uds). Measured exactly as ipc.c's bw():
 *   fifo_bw [secs]   1 MiB write()s parent -> forked child for secs (1.5), MiB/s
 * The FIFO is made with mkfifo() in a mkdtemp() folder and keeps the kernel's default size
 * (64 KiB), as procwire's FifoPair does. Env PIN="P,C" pins the parent to CPU P and the child to
 * CPU C (unset: no pinning), as in ipc.c. Prints `c_fifo_bw: N MiB/s`. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (1 << 20)

static void die(const char *what) { perror(what); exit(1); }

static double now_us(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

static void full_write(int fd, const char *buf, size_t n) {
    for (size_t done = 0; done < n;) {
        ssize_t r = write(fd, buf + done, n - done);
        if (r < 0) die("write");
        done += r;
    }
}

static void pin(int child) {
    const char *s = getenv("PIN");
    int cpu[2];
    if (!s || !*s) return;
    if (sscanf(s, "%d,%d", &cpu[0], &cpu[1]) != 2) { fprintf(stderr, "PIN must be P,C\n"); exit(2); }
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu[child], &set);
    if (sched_setaffinity(0, sizeof set, &set)) die("sched_setaffinity");
}

int main(int argc, char **argv) {
    double secs = argc > 1 ? atof(argv[1]) : 1.5;
    char dir[] = "/tmp/ipc_fifo_XXXXXX", path[64];
    if (!mkdtemp(dir)) die("mkdtemp");
    snprintf(path, sizeof path, "%s/f", dir);
    if (mkfifo(path, 0600)) die("mkfifo");

    char *buf = malloc(CHUNK);
    memset(buf, 'x', CHUNK);
    pid_t pid = fork();
    if (pid < 0) die("fork");
    pin(pid == 0);
    if (pid == 0) { /* child: drain until EOF */
        int in = open(path, O_RDONLY);
        if (in < 0) die("child open");
        while (read(in, buf, CHUNK) > 0) {}
        _exit(0);
    }
    int out = open(path, O_WRONLY);
    if (out < 0) die("parent open");
    double t0 = now_us(), bytes = 0;
    while (now_us() - t0 < secs * 1e6) {
        full_write(out, buf, CHUNK);
        bytes += CHUNK;
    }
    close(out);
    waitpid(pid, NULL, 0); /* child has read everything */
    printf("c_fifo_bw: %.0f MiB/s\n", bytes / CHUNK / ((now_us() - t0) / 1e6));
    unlink(path);
    rmdir(dir);
    return 0;
}
