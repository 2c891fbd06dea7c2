package descriptor

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

// withPort is base plus a port, which a path health check needs.
const withPort = base + "port = 8080\n"

func TestHealthcheck_accepted(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want *Healthcheck
	}{
		{"a path", withPort + "[run]\nhealthcheck = \"/healthz\"\n", &Healthcheck{Path: "/healthz"}},
		{"a path with a query", withPort + "[run]\nhealthcheck = \"/health?full=1\"\n", &Healthcheck{Path: "/health?full=1"}},
		{"an argv needs no port", base + "[run]\nhealthcheck = [\"/app/server\", \"-health\"]\n", &Healthcheck{Argv: []string{"/app/server", "-health"}}},
		{"a table with every key", withPort + "[run.healthcheck]\npath = \"/healthz\"\ninterval = \"10s\"\ntimeout = \"2s\"\nstart_period = \"1m30s\"\nretries = 5\n",
			&Healthcheck{Path: "/healthz", Interval: 10 * time.Second, Timeout: 2 * time.Second, StartPeriod: 90 * time.Second, Retries: 5}},
		{"an inline table with argv", base + "[run]\nhealthcheck = { argv = [\"/app/check\"], timeout = \"500ms\" }\n",
			&Healthcheck{Argv: []string{"/app/check"}, Timeout: 500 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			app, err := Parse("slim.toml", []byte(tt.src), testOpts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(app.Run.Healthcheck, tt.want) {
				t.Errorf("got  %+v\nwant %+v", app.Run.Healthcheck, tt.want)
			}
		})
	}
	app, err := Parse("slim.toml", []byte(withPort), testOpts)
	if err != nil {
		t.Fatal(err)
	}
	if app.Run.Healthcheck != nil {
		t.Errorf("no healthcheck key gave %+v, want nil", app.Run.Healthcheck)
	}
}

// TestHealthcheck_problems checks the exact messages, each at the line and
// key of the bad value.
func TestHealthcheck_problems(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"a path without port", base + "[run]\nhealthcheck = \"/healthz\"\n", []string{
			`slim.toml:4:1: run.healthcheck: an HTTP health check needs port: the probe GETs http://127.0.0.1:$PORT/healthz (add port = 8080 (the port the app listens on), or use an argv that checks the app itself)`}},
		{"a table path without port is located at path", base + "[run.healthcheck]\npath = \"/healthz\"\n", []string{
			`slim.toml:4:1: run.healthcheck.path: an HTTP health check needs port: ...`}},
		{"a relative path", withPort + "[run]\nhealthcheck = \"healthz\"\n", []string{
			`slim.toml:5:1: run.healthcheck: the health-check path must start with '/', got "healthz" (did you mean "/healthz"?)`}},
		{"a URL", withPort + "[run]\nhealthcheck = \"http://localhost:8080/healthz\"\n", []string{
			`slim.toml:5:1: run.healthcheck: the health-check path must start with '/', got "http://localhost:8080/healthz" (give only the path: the probe always GETs http://127.0.0.1:$PORT<path>)`}},
		{"a path with a space", withPort + "[run]\nhealthcheck = \"/a b\"\n", []string{
			`slim.toml:5:1: run.healthcheck: the health-check path must not contain spaces or control characters, got "/a b" (percent-encode them (%20))`}},
		{"a curl command", withPort + "[run]\nhealthcheck = \"curl -f http://localhost/health\"\n", []string{
			`slim.toml:5:1: run.healthcheck: the health-check path must start with '/', got "curl -f http://localhost/health" (give only the path: ...)`}},
		{"an empty argv", base + "[run]\nhealthcheck = []\n", []string{
			`slim.toml:4:1: run.healthcheck: argv array must not be empty (e.g. ["/app/server", "-health"], or a path such as "/healthz")`}},
		{"Docker's CMD keyword", base + "[run]\nhealthcheck = [\"CMD\", \"/app/check\"]\n", []string{
			`slim.toml:4:16: run.healthcheck[0]: argv starts with Docker's CMD keyword (drop "CMD": the argv is the command itself (slimfront adds Docker's CMD))`}},
		{"a number", base + "[run]\nhealthcheck = 8080\n", []string{
			`slim.toml:4:1: run.healthcheck: expected a path string, an array of strings or a table, got integer (e.g. healthcheck = "/healthz", or an argv array, or a [run.healthcheck] table)`}},
		{"both path and argv", withPort + "[run.healthcheck]\npath = \"/h\"\nargv = [\"/x\"]\n", []string{
			`slim.toml:4:2: run.healthcheck: give either path or argv, not both (keep path for an HTTP check by the image's probe, or argv for a program of the image)`}},
		{"neither path nor argv", withPort + "[run.healthcheck]\ninterval = \"5s\"\n", []string{
			`slim.toml:4:2: run.healthcheck: the table needs path or argv (add path = "/healthz" (an HTTP GET by the image's probe) or argv = ["/app/server", "-health"])`}},
		{"bad timing and a typo, all at once", withPort + "[run.healthcheck]\npath = \"/h\"\ninterval = 30\ntimeout = \"5 seconds\"\nstart_period = \"0s\"\nretries = 0\ntimout = \"1s\"\n", []string{
			`slim.toml:6:1: run.healthcheck.interval: expected a duration such as "30s", got integer (write it as a string with a unit: interval = "30s")`,
			`slim.toml:7:1: run.healthcheck.timeout: invalid duration "5 seconds" (use a number with a unit ms, s, m or h, e.g. "30s" or "1m30s")`,
			`slim.toml:8:1: run.healthcheck.start_period: must be at least 1ms (Docker's minimum), got "0s" (leave the key out for the runtime's default)`,
			`slim.toml:9:1: run.healthcheck.retries: must be between 1 and 1000, got 0 (leave the key out for the runtime's default (Docker: 3))`,
			`slim.toml:10:1: run.healthcheck.timout: unknown key "timout" in [run.healthcheck]; valid keys: argv, interval, path, retries, start_period, timeout (did you mean "timeout"?)`}},
		{"a misspelled key in [run]", withPort + "[run]\nhealtcheck = \"/h\"\n", []string{
			`slim.toml:5:1: run.healtcheck: unknown key "healtcheck" in [run]; valid keys: healthcheck, include, keep, packages, sourceless, trim, writable (did you mean "healthcheck"?)`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("slim.toml", []byte(tt.src), testOpts)
			var de *Error
			if !errors.As(err, &de) {
				t.Fatalf("error is %T, not *Error: %v", err, err)
			}
			got := strings.Split(err.Error(), "\n")
			if len(got) != len(tt.want) {
				t.Fatalf("got %d lines, want %d:\n%s", len(got), len(tt.want), err)
			}
			for i := range got {
				if !lineMatches(got[i], tt.want[i]) {
					t.Errorf("line %d:\ngot  %s\nwant %s", i+1, got[i], tt.want[i])
				}
			}
		})
	}
}
