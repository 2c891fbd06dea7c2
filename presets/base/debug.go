package base

import (
	"strings"

	"github.com/slimfront/slimfront/llbgen"
)

// Debug variant (`--build-arg SLIM_DEBUG=1`): the same image plus a static
// busybox under /busybox, the convention of distroless's ":debug" tags
// (GoogleContainerTools/distroless: "/busybox/sh", PATH ending in /busybox).
// The busybox is the one of gcr.io/distroless/static-debian13:debug for the
// target platform (Debian's busybox-static: one static ELF, one symlink per
// applet), so it runs on every base, scratch included, without libraries.

// DebugImage is the image the debug variant takes its busybox from.
const DebugImage = "gcr.io/distroless/static-debian13:debug"

// BusyboxDir is where the busybox and its applet links live in debug
// images (and in DebugImage).
const BusyboxDir = "/busybox"

// DebugLabel is the image label a debug build carries ("true"); normal
// builds do not have it.
const DebugLabel = "dev.slimfront.debug"

// DefaultPath is the PATH of the Debian and distroless images slimfront
// builds on when the plan sets none (and llbgen's for scratch).
const DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// CopyBusybox returns the final-stage step that copies DebugImage's
// /busybox/ (busybox and its applet symlinks) into the image.
func CopyBusybox() llbgen.Step {
	return llbgen.Step{
		Reason: "debug build (SLIM_DEBUG=1): static busybox shell and tools at /busybox, as distroless :debug images have them",
		Copy:   &llbgen.Copy{From: "image:" + DebugImage, Src: []string{BusyboxDir + "/"}, Dest: BusyboxDir + "/"},
	}
}

// Debug turns plan into its debug variant: CopyBusybox as the first step
// of the final stage (the app's layers stay as they are), BusyboxDir
// appended to the image's PATH (the plan's own PATH, else DefaultPath),
// the label DebugLabel=true and the final stage's reason saying it is a
// debug build. User, entrypoint and everything else are unchanged. plan
// is not modified; the returned Plan shares nothing mutable with it.
func Debug(plan llbgen.Plan) llbgen.Plan {
	out := plan
	out.Stages = append([]llbgen.Stage(nil), plan.Stages...)
	i := finalIndex(out)
	if i < 0 {
		return plan
	}
	final := out.Stages[i]
	final.Steps = append([]llbgen.Step{CopyBusybox()}, final.Steps...)
	final.Reason = strings.TrimSpace(final.Reason + " (DEBUG BUILD, SLIM_DEBUG=1: plus a busybox shell at /busybox/sh)")
	out.Stages[i] = final

	img := plan.Image
	img.Env = append([]llbgen.KV(nil), plan.Image.Env...)
	set := false
	for j, kv := range img.Env {
		if kv.Key == "PATH" {
			img.Env[j].Value = kv.Value + ":" + BusyboxDir
			set = true
		}
	}
	if !set {
		img.Env = append(img.Env, llbgen.KV{Key: "PATH", Value: DefaultPath + ":" + BusyboxDir})
	}
	img.Labels = append(append([]llbgen.KV(nil), plan.Image.Labels...), llbgen.KV{Key: DebugLabel, Value: "true"})
	out.Image = img
	return out
}

// finalIndex is the index of the plan's image stage (the last one that is
// not a Verify stage), -1 when it has none.
func finalIndex(p llbgen.Plan) int {
	for i := len(p.Stages) - 1; i >= 0; i-- {
		if !p.Stages[i].Verify {
			return i
		}
	}
	return -1
}
