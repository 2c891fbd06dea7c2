// Package base is the one place slimfront writes down the final-image bases
// (scratch, distroless, alpine) and the final-stage building blocks every
// language shares: the account files of the non-root user on scratch, the
// scratch skeleton (/etc/passwd, /etc/group, home, /tmp), the "accounts"
// stage that merges the user into alpine's own files, and the image
// references of alpine and distroless. Language presets call these instead
// of writing their own copy; which bases a language supports is checked
// once, by presets.Registry.Plan.
package base

import (
	"fmt"
	"slices"
	"strconv"

	"github.com/slimfront/slimfront/llbgen"
)

// Base is a final-image base: the value of the descriptor's preset key.
type Base string

const (
	// Scratch is the empty image: the final stage holds only what the app
	// needs, no shell, no package manager.
	Scratch Base = "scratch"
	// Distroless is a gcr.io/distroless Debian 13 image (DistrolessImage):
	// CA certificates, tzdata, /etc/passwd with "nonroot" (65532), no shell.
	Distroless Base = "distroless"
	// Alpine is alpine (AlpineImage) or an official <language>:*-alpine
	// image: musl, busybox and apk, for debugging with a shell.
	Alpine Base = "alpine"
)

// All returns every base slimfront knows, sorted by name (the order error
// messages list them in). The slice is new on every call.
func All() []Base { return []Base{Alpine, Distroless, Scratch} }

// Names returns the bases as strings, in the order given (for
// descriptor.Options.Presets and messages).
func Names(bs []Base) []string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = string(b)
	}
	return out
}

// Description returns what the base gives the app, one phrase without a
// trailing period, for messages and the final stages' reasons ("alpine: "
// + Alpine.Description()); "" for an unknown base.
func (b Base) Description() string {
	switch b {
	case Scratch:
		return "the smallest: only what the app needs, no shell"
	case Distroless:
		return "no shell: CA certificates, tzdata and the nonroot user from Debian 13"
	case Alpine:
		return "a small userland with a shell, for debugging"
	}
	return ""
}

// AlpineRelease is the Alpine Linux release of every alpine image
// slimfront uses, final (AlpineImage) and builder (node:<major>-alpine3.22),
// so that libraries built in the builder match the image's musl.
const AlpineRelease = "3.22"

// AlpineImage is the reference of the alpine final image (Docker Hub's
// official alpine image, tag AlpineRelease).
const AlpineImage = "alpine:" + AlpineRelease

// DistrolessImage returns the reference of the distroless Debian 13 image
// called name, tag nonroot (user 65532): "gcr.io/distroless/<name>-debian13:nonroot".
// name is one of GoogleContainerTools/distroless's images: "static" (no
// libc), "base" (glibc), "cc" (glibc, libstdc++), "python3", or
// "nodejs<major>" ("nodejs22").
func DistrolessImage(name string) string {
	return "gcr.io/distroless/" + name + "-debian13:nonroot"
}

// CABundle is Debian's (and alpine's) bundle of trusted CA certificates, as
// update-ca-certificates writes it; OpenSSL, Go and (through
// NODE_EXTRA_CA_CERTS or SSL_CERT_FILE) node and Python read it.
const CABundle = "/etc/ssl/certs/ca-certificates.crt"

// Home is the home directory of the non-root user, as distroless's
// /etc/passwd names it for "nonroot".
const Home = "/home/nonroot"

// chown returns "uid:gid".
func chown(uid, gid int) string { return strconv.Itoa(uid) + ":" + strconv.Itoa(gid) }

// Accounts returns minimal /etc/passwd and /etc/group contents for an image
// built from scratch: root (0), nobody (65534) and, unless uid or gid is one
// of those, the app user "nonroot" with home Home and shell /sbin/nologin
// (the entries distroless's own files have). uid and gid are numeric ids.
func Accounts(uid, gid int) (passwd, group []byte) {
	p := "root:x:0:0:root:/root:/sbin/nologin\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
	g := "root:x:0:\nnobody:x:65534:\n"
	if uid != 0 && uid != 65534 {
		p += fmt.Sprintf("nonroot:x:%d:%d:nonroot:%s:/sbin/nologin\n", uid, gid, Home)
	}
	if gid != 0 && gid != 65534 {
		g += fmt.Sprintf("nonroot:x:%d:\n", gid)
	}
	return []byte(p), []byte(g)
}

// AppendAccountsScript returns a POSIX sh script (set -eu; needs grep) that
// appends the app user "nonroot" (uid, gid; home Home) to the passwd and
// group files under dir unless an entry with that id already exists, as
// alpine's files need. It is meant for a build stage, never the final image.
func AppendAccountsScript(dir string, uid, gid int) string {
	return fmt.Sprintf(`set -eu
grep -q '^[^:]*:[^:]*:%[3]d:' %[1]s/group || echo 'nonroot:x:%[3]d:' >> %[1]s/group
grep -q '^[^:]*:[^:]*:%[2]d:' %[1]s/passwd || echo 'nonroot:x:%[2]d:%[3]d:nonroot:%[4]s:/sbin/nologin' >> %[1]s/passwd
`, dir, uid, gid, Home)
}

// HomeStep returns the step that creates Home, mode 0700, owned by uid:gid.
func HomeStep(uid, gid int) llbgen.Step {
	return llbgen.Step{Reason: "home of the non-root user", Dir: &llbgen.Dir{Path: Home, Mode: 0o700, Chown: chown(uid, gid)}}
}

// CopyCABundle returns the step that copies CABundle from the stage from
// (a Debian or alpine builder that has the ca-certificates package) to the
// same path.
func CopyCABundle(from string) llbgen.Step {
	return llbgen.Step{Reason: "CA certificates for outgoing TLS", Copy: &llbgen.Copy{From: from, Src: []string{CABundle}, Dest: CABundle}}
}

// ScratchFinal describes the final stage on the empty image.
type ScratchFinal struct {
	// Reason is the stage's one-line reason.
	Reason string
	// System are the steps before the account files: the runtime's own
	// files (an interpreter, its libraries, the CA bundle).
	System []llbgen.Step
	// Etc are the steps right after /etc/passwd and /etc/group (more
	// configuration under /etc, such as nsswitch.conf).
	Etc []llbgen.Step
}

// Stage returns the final stage "final" FROM scratch, for the target
// platform: f.System, /etc/passwd and /etc/group from Accounts(uid, gid)
// (mode 0644), f.Etc, Home (0700, owned by uid:gid) and /tmp (1777, as every
// distribution has it). The language appends its app after these steps.
func (f ScratchFinal) Stage(uid, gid int) llbgen.Stage {
	passwd, group := Accounts(uid, gid)
	steps := slices.Clone(f.System)
	steps = append(steps,
		llbgen.Step{Reason: "account of the non-root user", File: &llbgen.File{Path: "/etc/passwd", Data: passwd, Mode: 0o644}},
		llbgen.Step{Reason: "group of the non-root user", File: &llbgen.File{Path: "/etc/group", Data: group, Mode: 0o644}},
	)
	steps = append(steps, f.Etc...)
	steps = append(steps,
		HomeStep(uid, gid),
		llbgen.Step{Reason: "a writable temporary directory", Dir: &llbgen.Dir{Path: "/tmp", Mode: 0o1777}},
	)
	return llbgen.Stage{Name: "final", Reason: f.Reason, Base: llbgen.Base{Scratch: true}, Where: llbgen.OnTarget, Steps: steps}
}

// AccountsStage is the name of the stage that merges the non-root user into
// a base's own account files (alpine's), and accountsDir where it leaves
// them.
const (
	AccountsStage = "accounts"
	accountsDir   = "/accounts"
)

// AccountsFrom describes the AccountsStage stage: where it runs and how it
// gets the base's /etc/passwd and /etc/group into /accounts/.
type AccountsFrom struct {
	// Reason is the stage's one-line reason.
	Reason string
	// Base and Where are what the stage starts from and the platform it runs
	// on; the base needs a POSIX sh and grep.
	Base  llbgen.Base
	Where llbgen.Where
	// Get is the step that puts the base's passwd and group under
	// /accounts/: CopyAlpineAccounts, or a run in the final base itself.
	Get llbgen.Step
}

// CopyAlpineAccounts returns the step that copies /etc/passwd and
// /etc/group of AlpineImage into /accounts/ without running anything on
// alpine, so the accounts stage can run on the build platform or in a
// builder of the target's (no emulation of alpine needed).
func CopyAlpineAccounts() llbgen.Step {
	return llbgen.Step{Reason: "alpine's account files", Copy: &llbgen.Copy{From: "image:" + AlpineImage, Src: []string{"/etc/passwd", "/etc/group"}, Dest: accountsDir + "/"}}
}

// Stage returns the stage AccountsStage: a.Get, then AppendAccountsScript
// on /accounts without network. The final stage copies the result with
// UseAccounts.
func (a AccountsFrom) Stage(uid, gid int) llbgen.Stage {
	return llbgen.Stage{
		Name: AccountsStage, Reason: a.Reason, Base: a.Base, Where: a.Where,
		Steps: []llbgen.Step{
			a.Get,
			{Reason: "append the non-root user", Run: &llbgen.Run{Argv: []string{"sh", "-c", AppendAccountsScript(accountsDir, uid, gid)}, Network: llbgen.NetNone}},
		},
	}
}

// UseAccounts returns the final-stage steps that install the merged
// account files of the AccountsStage stage as /etc/passwd and /etc/group
// (reason says how they were made), then Home (0700, owned by uid:gid).
func UseAccounts(reason string, uid, gid int) []llbgen.Step {
	return []llbgen.Step{
		{Reason: reason, Copy: &llbgen.Copy{From: AccountsStage, Src: []string{accountsDir + "/passwd", accountsDir + "/group"}, Dest: "/etc/"}},
		HomeStep(uid, gid),
	}
}
