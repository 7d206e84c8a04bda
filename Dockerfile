# One image for both production processes:
#   docker run jitflow worker    |    docker run jitflow gateway
# Multi-stage: the toolchain stays in the build stage; the runtime image is
# distroless (no shell, no package manager) and runs as a non-root user.
FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
# Pure Go (the embedded server's SQLite driver needs no cgo): a static binary.
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/jitflow .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/jitflow /usr/local/bin/jitflow
USER nonroot:nonroot
# 3000: the gateway; 9090: the worker's /metrics, /healthz, /readyz when
# JIT_METRICS_ADDR=:9090. Health checks: `jitflow probe http://127.0.0.1:PORT/healthz`.
EXPOSE 3000 9090
ENTRYPOINT ["/usr/local/bin/jitflow"]
CMD ["gateway"]
