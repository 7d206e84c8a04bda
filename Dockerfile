# One image for both production processes:
#   docker run jitflow worker    |    docker run jitflow gateway
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
EXPOSE 3000
ENTRYPOINT ["/usr/local/bin/jitflow"]
CMD ["gateway"]
