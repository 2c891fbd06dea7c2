package debpkg

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Report is the one JSON line `slimfront runpkgs` prints.
type Report struct {
	Arch     string        `json:"arch"`
	Packages []PackageStat `json:"packages"`
	Have     []string      `json:"have,omitempty"`    // needed, already in the image
	Skipped  []string      `json:"skipped,omitempty"` // Essential dependencies left out
	Files    int           `json:"files"`
	Bytes    int64         `json:"bytes"`
}

// PackageStat is one installed package.
type PackageStat struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Files   int    `json:"files"`
	Bytes   int64  `json:"bytes"`
}

// Install downloads the resolved packages for arch with `apt-get download
// name:arch=version` (apt checks them against the signed indexes) into
// debs, and unpacks each (Unpack over `dpkg-deb --fsys-tarfile`) into out
// with its status.d record (WriteRecord). Record times are epoch when
// non-zero (SOURCE_DATE_EPOCH), else the newest time in the package's data;
// directories get epoch, else the newest time of all. Nothing downloaded
// is executed.
func Install(res *Resolution, arch, debs, out string, epoch time.Time, logw io.Writer) (Report, error) {
	rep := Report{Arch: arch, Have: res.Have, Skipped: res.Skipped}
	if err := os.MkdirAll(debs, 0o755); err != nil {
		return rep, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return rep, err
	}
	var newest time.Time
	for _, p := range res.Install {
		spec := p.Name + ":" + arch + "=" + p.Version
		if p.Arch == "all" {
			spec = p.Name + "=" + p.Version
		}
		deb, err := download(debs, p, spec, logw)
		if err != nil {
			return rep, err
		}
		ctrl, err := output("dpkg-deb", "--ctrl-tarfile", deb)
		if err != nil {
			return rep, err
		}
		control, err := ControlMember(bytes.NewReader(ctrl), "control")
		if err != nil || control == nil {
			return rep, fmt.Errorf("%s: no control file (%v)", deb, err)
		}
		md5sums, err := ControlMember(bytes.NewReader(ctrl), "md5sums")
		if err != nil {
			return rep, err
		}
		cmd := exec.Command("dpkg-deb", "--fsys-tarfile", deb)
		data, err := cmd.StdoutPipe()
		if err != nil {
			return rep, err
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			return rep, err
		}
		u, kept, uerr := Unpack(data, out)
		io.Copy(io.Discard, data)
		if err := cmd.Wait(); err != nil {
			return rep, fmt.Errorf("dpkg-deb --fsys-tarfile %s: %v: %s", deb, err, stderr.String())
		}
		if uerr != nil {
			return rep, fmt.Errorf("unpack %s: %w", deb, uerr)
		}
		t := u.Newest
		if !epoch.IsZero() {
			t = epoch
		}
		if err := WriteRecord(out, p.Name, control, md5sums, kept, t); err != nil {
			return rep, err
		}
		if u.Newest.After(newest) {
			newest = u.Newest
		}
		rep.Packages = append(rep.Packages, PackageStat{Name: p.Name, Version: p.Version, Files: u.Files, Bytes: u.Bytes})
		rep.Files += u.Files
		rep.Bytes += u.Bytes
		fmt.Fprintf(logw, "unpacked %s (%s): %d files, %d bytes\n", describe(p), p.Arch, u.Files, u.Bytes)
	}
	if !epoch.IsZero() {
		newest = epoch
	}
	if newest.IsZero() {
		newest = time.Unix(0, 0)
	}
	return rep, SetDirTimes(out, newest)
}

// download fetches one .deb into dir and returns its path.
func download(dir string, p *Package, spec string, logw io.Writer) (string, error) {
	match := func() string {
		m, _ := filepath.Glob(filepath.Join(dir, p.Name+"_*.deb"))
		for _, f := range m {
			if strings.HasSuffix(f, "_"+p.Arch+".deb") {
				return f
			}
		}
		return ""
	}
	if f := match(); f != "" {
		return f, nil
	}
	cmd := exec.Command("apt-get", "download", "-q", spec)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = logw, logw
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("apt-get download %s: %v", spec, err)
	}
	if f := match(); f != "" {
		return f, nil
	}
	return "", fmt.Errorf("apt-get download %s left no %s_*_%s.deb in %s", spec, p.Name, p.Arch, dir)
}

func output(name string, args ...string) ([]byte, error) {
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%s %s: %v: %s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}
