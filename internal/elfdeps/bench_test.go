package elfdeps

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkClosureOfDependencyTree measures what `slimfront closure --tree
// DIR` does to an installed dependency tree: Resolve every ELF object in it
// (walking all its files) and Copy the tree whole without its foreign
// prebuilds, plus the libraries it loads, into a fresh directory.
//
// The tree is SLIM_BENCH_TREE, an absolute host path read with the host as
// the image root ("/"), so the libraries the addons load resolve from the
// host's own /usr/lib. For example, the largest node_modules among the
// examples:
//
//	cd examples/node-prebuilds && npm ci --omit=dev --prefix /tmp/np && \
//	SLIM_BENCH_TREE=/tmp/np/node_modules go test ./internal/elfdeps -run - -bench ClosureOfDependencyTree
func BenchmarkClosureOfDependencyTree(b *testing.B) {
	tree := os.Getenv("SLIM_BENCH_TREE")
	if tree == "" {
		b.Skip("SLIM_BENCH_TREE is not set: name an installed node_modules or site-packages (see the doc comment)")
	}
	root, err := OpenRoot("/")
	if err != nil {
		b.Fatal(err)
	}
	p, err := ParsePlatform("linux/amd64")
	if err != nil {
		b.Fatal(err)
	}
	var st CopyStats
	for i := 0; i < b.N; i++ {
		c, err := Resolve(root, []string{tree}, Options{Platform: p})
		if err != nil {
			b.Fatal(err)
		}
		out := filepath.Join(b.TempDir(), "out")
		if err := os.Mkdir(out, 0o755); err != nil {
			b.Fatal(err)
		}
		if st, err = Copy(root, c, out, CopyOptions{Entries: []string{tree}, DropForeign: true, Skip: []string{tree}}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(st.Files), "files")
	b.ReportMetric(float64(st.Bytes)/1e6, "MB")
	b.ReportMetric(float64(st.DroppedBytes)/1e3, "dropped-kB")
}

// BenchmarkPlanTrim measures what `slimfront closure --trim` adds to the
// closure step: PlanTrim over an installed tree (walking it, reading the
// .py files of the distributions that have test or doc directories for
// their imports). The tree is SLIM_BENCH_TRIM_ROOT, a directory used as the
// image root, and SLIM_BENCH_TRIM_TREE, the tree's image path in it, e.g.
//
//	pip install --target /tmp/pv/opt/venv/lib/python3.13/site-packages -r examples/python-pandas/requirements.txt
//	SLIM_BENCH_TRIM_ROOT=/tmp/pv SLIM_BENCH_TRIM_TREE=/opt/venv go test ./internal/elfdeps -run - -bench PlanTrim
func BenchmarkPlanTrim(b *testing.B) {
	dir, tree := os.Getenv("SLIM_BENCH_TRIM_ROOT"), os.Getenv("SLIM_BENCH_TRIM_TREE")
	if dir == "" || tree == "" {
		b.Skip("SLIM_BENCH_TRIM_ROOT and SLIM_BENCH_TRIM_TREE are not set: name an installed tree (see the doc comment)")
	}
	root, err := OpenRoot(dir)
	if err != nil {
		b.Fatal(err)
	}
	var tr *Trim
	for i := 0; i < b.N; i++ {
		if tr, err = PlanTrim(root, []string{tree}, TrimOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(tr.Report.Files), "files")
	b.ReportMetric(float64(tr.Report.Bytes)/1e6, "MB")
}
