package llbgen

import (
	"strings"
	"testing"
)

// Volumes reach the OCI image config as its Volumes set, Format shows them,
// and a relative one is refused by Validate.
func TestVolumesGoIntoTheImageConfig(t *testing.T) {
	plan := samplePlan()
	plan.Image.Volumes = []string{"/app/data", "/app/var/uploads"}
	res, _, _ := render(t, plan, amd64)
	got := res.Image.Config.Volumes
	if len(got) != 2 {
		t.Fatalf("Volumes = %v, want /app/data and /app/var/uploads", got)
	}
	for _, v := range plan.Image.Volumes {
		if _, ok := got[v]; !ok {
			t.Errorf("Volumes = %v, lacks %s", got, v)
		}
	}
	if f := Format(plan); !strings.Contains(f, "  VOLUME /app/data /app/var/uploads\n") {
		t.Errorf("Format lacks the VOLUME line:\n%s", f)
	}
	res, _, _ = render(t, samplePlan(), amd64)
	if res.Image.Config.Volumes != nil {
		t.Errorf("a plan without volumes got %v", res.Image.Config.Volumes)
	}
	plan.Image.Volumes = []string{"data"}
	if err := Validate(plan); err == nil || !strings.Contains(err.Error(), `image volume "data" is not absolute`) {
		t.Errorf("Validate of a relative volume: %v", err)
	}
}
