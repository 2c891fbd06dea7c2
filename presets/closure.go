package presets

import "github.com/slimfront/slimfront/llbgen"

// closureScript copies into $1 every shared library that the ELF files under
// the remaining arguments (files or directories) load, as the dynamic loader
// resolves them from their DT_NEEDED entries (ldd runs the loader in trace
// mode: the same search the program will do at run time), plus the loader
// itself. Paths are kept, so the result overlays onto an empty image. A
// library the loader cannot find fails the build instead of failing at run
// time.
const closureScript = `set -eu
out=$1; shift
libs=$(mktemp)
for root in "$@"; do
  find "$root" -type f \( -name '*.so' -o -name '*.so.*' -o -perm -u+x \) -print
done | sort -u | while IFS= read -r f; do
  [ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" = '177ELF' ] || continue
  deps=$(ldd "$f" 2>&1) || continue   # static or not an object: nothing to resolve
  if printf '%s\n' "$deps" | grep -q 'not found'; then
    echo "slimfront: $f needs a library that is not installed:" >&2
    printf '%s\n' "$deps" | grep 'not found' >&2
    exit 1
  fi
  printf '%s\n' "$deps" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}' >> "$libs"
done
sort -u "$libs" | while IFS= read -r lib; do
  mkdir -p "$out$(dirname "$lib")"
  cp -L "$lib" "$out$lib"
done
rm -f "$libs"
`

// ClosureStep returns a Run step, for a build stage of the same platform as
// the final image, that copies the shared-library closure of the ELF files
// under roots into out (which then overlays onto scratch).
func ClosureStep(out string, roots ...string) llbgen.Step {
	return llbgen.Step{
		Reason: "exactly the shared libraries these programs load, resolved by the dynamic loader",
		Run: &llbgen.Run{
			Argv:    append([]string{"sh", "-c", closureScript, "closure", out}, roots...),
			Network: llbgen.NetNone,
		},
	}
}
