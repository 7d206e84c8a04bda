package main

import (
	"bufio"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/jitflow/jitflow/internal/config"
)

// Docker can't run on the CI machines, so these tests read the deployment
// files the way Compose and Docker would and check what matters.

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	EnvFile     string            `yaml:"env_file"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	Volumes []string `yaml:"volumes"`
}

func readCompose(t *testing.T) map[string]composeService {
	t.Helper()
	b, err := os.ReadFile("docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Services map[string]composeService `yaml:"services"`
	}
	if err := yaml.Unmarshal(b, &f); err != nil {
		t.Fatalf("docker-compose.yml: %v", yaml.FormatError(err, false, true))
	}
	return f.Services
}

// pinned reports whether an image reference names a version: a tag other
// than latest, or a digest.
func pinned(ref string) bool {
	if strings.Contains(ref, "@sha256:") {
		return true
	}
	name := ref[strings.LastIndex(ref, "/")+1:]
	_, tag, ok := strings.Cut(name, ":")
	return ok && tag != "" && tag != "latest"
}

var secretKeys = []string{"BB_SERVICE_KEY", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "JIT_WEBHOOK_TOKEN"}

func TestComposeStack(t *testing.T) {
	services := readCompose(t)
	for _, name := range []string{"postgres", "temporal", "temporal-ui", "bytebase"} {
		if _, ok := services[name]; !ok {
			t.Errorf("no %s service", name)
		}
	}
	keys := config.Keys()
	roles := map[string]string{} // worker|gateway -> service name
	for name, s := range services {
		if s.Image == "" || !pinned(s.Image) {
			t.Errorf("%s: image %q is not pinned to a tag or digest", name, s.Image)
		}
		for dep, d := range s.DependsOn {
			target, ok := services[dep]
			switch {
			case !ok:
				t.Errorf("%s depends on %s, which is not a service", name, dep)
			case d.Condition == "service_healthy" && target.Healthcheck == nil:
				t.Errorf("%s waits for %s to be healthy, which has no health check", name, dep)
			}
		}
		if s.Build == nil {
			continue
		}
		// A jitflow service.
		if len(s.Command) != 1 || (s.Command[0] != "worker" && s.Command[0] != "gateway") {
			t.Errorf("%s: command %v, want [worker] or [gateway]", name, s.Command)
			continue
		}
		role := s.Command[0]
		roles[role] = name
		for k := range s.Environment {
			if !slices.Contains(keys, k) {
				t.Errorf("%s: %s is not a setting jitflow reads (config.Keys)", name, k)
			}
			if slices.Contains(secretKeys, k) {
				t.Errorf("%s: the secret %s is written into the compose file; it belongs in .env.local", name, k)
			}
		}
		if s.EnvFile != ".env.local" {
			t.Errorf("%s: env_file %q, want .env.local (where the secrets are)", name, s.EnvFile)
		}
		if s.Environment["TEMPORAL_ADDRESS"] == "" || s.DependsOn["temporal"].Condition != "service_healthy" {
			t.Errorf("%s must dial the temporal service and start once it is healthy", name)
		}
		// The health check probes the port the process listens on.
		listenKey := map[string]string{"worker": "JIT_METRICS_ADDR", "gateway": "JIT_HTTP_ADDR"}[role]
		_, port, err := net.SplitHostPort(s.Environment[listenKey])
		if err != nil {
			t.Errorf("%s: %s = %q: %v", name, listenKey, s.Environment[listenKey], err)
			continue
		}
		if s.Healthcheck == nil {
			t.Errorf("%s: no health check", name)
			continue
		}
		probe := s.Healthcheck.Test
		if len(probe) != 4 || probe[0] != "CMD" || probe[2] != "probe" {
			t.Errorf("%s: health check %v, want [CMD /usr/local/bin/jitflow probe URL] (the image has no shell)", name, probe)
			continue
		}
		if u, err := url.Parse(probe[3]); err != nil || u.Port() != port {
			t.Errorf("%s: health check probes %s, but %s listens on port %s", name, probe[3], role, port)
		}
	}
	for _, role := range []string{"worker", "gateway"} {
		if roles[role] == "" {
			t.Errorf("no service runs jitflow %s", role)
		}
	}
}

func TestDockerfileIsMultiStageAndNonRoot(t *testing.T) {
	f, err := os.Open("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var froms []string
	user := "" // USER of the last stage
	copiesFromBuild := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		switch strings.ToUpper(fields[0]) {
		case "FROM":
			froms = append(froms, fields[1])
			user = ""
		case "USER":
			user = fields[1]
		case "COPY":
			copiesFromBuild = copiesFromBuild || strings.HasPrefix(fields[1], "--from=")
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(froms) < 2 || !copiesFromBuild {
		t.Errorf("want a build stage and a runtime stage that copies from it; FROM lines: %v", froms)
	}
	for _, img := range froms {
		if !pinned(img) {
			t.Errorf("base image %s is not pinned", img)
		}
	}
	if u, _, _ := strings.Cut(user, ":"); u == "" || u == "root" || u == "0" {
		t.Errorf("the runtime stage runs as %q; want a non-root USER", user)
	}
}

func TestPinned(t *testing.T) {
	for ref, want := range map[string]bool{
		"postgres:16.4-bookworm":                    true,
		"gcr.io/distroless/static-debian12:nonroot": true,
		"localhost:5000/jitflow":                    false, // a registry port is no tag
		"postgres":                                  false,
		"postgres:latest":                           false,
		"temporalio/ui@sha256:0123abcd":             true,
	} {
		if got := pinned(ref); got != want {
			t.Errorf("pinned(%q) = %v, want %v", ref, got, want)
		}
	}
}

// The Slack governor's rates are exact only with one partition per task
// queue (worker/slackqueues.go): the compose Temporal must load a dynamic
// config that says so.
func TestComposeTemporalHasOnePartitionPerQueue(t *testing.T) {
	tmp := readCompose(t)["temporal"]
	path := tmp.Environment["DYNAMIC_CONFIG_FILE_PATH"]
	if path == "" {
		t.Fatal("temporal: no DYNAMIC_CONFIG_FILE_PATH")
	}
	var host string
	for _, v := range tmp.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 && parts[1] == "/etc/temporal/"+path {
			host = parts[0]
		}
	}
	if host == "" {
		t.Fatalf("temporal: no volume mounts a file at /etc/temporal/%s (volumes %v)", path, tmp.Volumes)
	}
	b, err := os.ReadFile(host)
	if err != nil {
		t.Fatal(err)
	}
	var dc map[string][]struct {
		Value       any            `yaml:"value"`
		Constraints map[string]any `yaml:"constraints"`
	}
	if err := yaml.Unmarshal(b, &dc); err != nil {
		t.Fatalf("%s: %v", host, yaml.FormatError(err, false, true))
	}
	for _, key := range []string{"matching.numTaskqueueReadPartitions", "matching.numTaskqueueWritePartitions"} {
		vs := dc[key]
		if len(vs) != 1 || fmt.Sprint(vs[0].Value) != "1" || len(vs[0].Constraints) != 0 {
			t.Errorf("%s: %s = %+v, want one unconstrained value 1", host, key, vs)
		}
	}
}
