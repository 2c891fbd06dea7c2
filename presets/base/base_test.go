package base

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/slimfront/slimfront/llbgen"
)

func TestAccountsHaveTheAppUserOnlyWhenItIsNotRootOrNobody(t *testing.T) {
	passwd, group := Accounts(65532, 65532)
	if !strings.Contains(string(passwd), "\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n") || !strings.Contains(string(group), "\nnonroot:x:65532:\n") {
		t.Errorf("passwd %q group %q lack the nonroot user", passwd, group)
	}
	passwd, group = Accounts(0, 65534)
	if strings.Contains(string(passwd)+string(group), "nonroot") {
		t.Errorf("uid 0 / gid 65534 must not add a second entry: passwd %q group %q", passwd, group)
	}
}

// The script runs in alpine (busybox sh and grep); any POSIX sh shows it
// appends the user once and keeps an existing entry with the same id.
func TestAppendAccountsScriptAppendsOnceAndKeepsExistingIDs(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh on this machine")
	}
	dir := t.TempDir()
	write := func(name, data string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("passwd", "root:x:0:0:root:/root:/bin/sh\n")
	write("group", "root:x:0:root\nusers:x:100:\n")
	for range 2 {
		if out, err := exec.Command(sh, "-c", AppendAccountsScript(dir, 1000, 100)).CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
	}
	passwd, _ := os.ReadFile(filepath.Join(dir, "passwd"))
	group, _ := os.ReadFile(filepath.Join(dir, "group"))
	if want := "root:x:0:0:root:/root:/bin/sh\nnonroot:x:1000:100:nonroot:/home/nonroot:/sbin/nologin\n"; string(passwd) != want {
		t.Errorf("passwd %q, want %q", passwd, want)
	}
	if want := "root:x:0:root\nusers:x:100:\n"; string(group) != want {
		t.Errorf("group %q, want %q (gid 100 exists)", group, want)
	}
}

func TestScratchFinalOrdersSystemAccountsEtcHomeTmp(t *testing.T) {
	st := ScratchFinal{
		Reason: "r",
		System: []llbgen.Step{CopyCABundle("build")},
		Etc:    []llbgen.Step{{File: &llbgen.File{Path: "/etc/nsswitch.conf"}}},
	}.Stage(1000, 1001)
	var got []string
	for _, s := range st.Steps {
		got = append(got, llbgen.Describe(s))
	}
	want := []string{"COPY --from=build " + CABundle + " " + CABundle, "FILE /etc/passwd", "FILE /etc/group", "FILE /etc/nsswitch.conf", "MKDIR /home/nonroot", "MKDIR /tmp"}
	if len(got) != len(want) {
		t.Fatalf("steps %q, want %q", got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("step %d is %q, want %q", i, got[i], want[i])
		}
	}
	if !st.Base.Scratch || st.Name != "final" {
		t.Errorf("stage %q base %+v", st.Name, st.Base)
	}
	if home := st.Steps[4].Dir; home.Mode != 0o700 || home.Chown != "1000:1001" {
		t.Errorf("home %+v", home)
	}
	if tmp := st.Steps[5].Dir; tmp.Mode != 0o1777 {
		t.Errorf("/tmp mode %o", tmp.Mode)
	}
}

func TestAccountsStageFeedsUseAccounts(t *testing.T) {
	st := AccountsFrom{Reason: "r", Base: llbgen.Base{Image: "golang:1.26"}, Where: llbgen.OnBuild, Get: CopyAlpineAccounts()}.Stage(65532, 65532)
	if st.Name != AccountsStage || st.Steps[0].Copy.From != "image:"+AlpineImage {
		t.Errorf("stage %q gets accounts from %q", st.Name, st.Steps[0].Copy.From)
	}
	if st.Steps[1].Run.Network != llbgen.NetNone {
		t.Error("appending the user needs no network")
	}
	use := UseAccounts("r", 65532, 65532)
	if use[0].Copy.From != st.Name || !slices.Equal(use[0].Copy.Src, []string{"/accounts/passwd", "/accounts/group"}) {
		t.Errorf("final copies %q from %q", use[0].Copy.Src, use[0].Copy.From)
	}
}

func TestImageReferences(t *testing.T) {
	if got := DistrolessImage("nodejs22"); got != "gcr.io/distroless/nodejs22-debian13:nonroot" {
		t.Errorf("DistrolessImage = %q", got)
	}
	if AlpineImage != "alpine:3.22" {
		t.Errorf("AlpineImage = %q", AlpineImage)
	}
}

func TestEveryBaseIsListedSortedAndDescribed(t *testing.T) {
	all := All()
	if got := Names(all); !slices.Equal(got, []string{"alpine", "distroless", "scratch"}) {
		t.Errorf("Names(All()) = %q", got)
	}
	for _, b := range all {
		if b.Description() == "" {
			t.Errorf("%s has no description", b)
		}
	}
	if Base("distrolss").Description() != "" {
		t.Error("a misspelled base has a description")
	}
}
