// Package descriptor reads and validates slim.toml, the file users write
// instead of a Dockerfile.
//
// It owns:
//
//   - the slim.toml syntax: which keys exist, their TOML types, and how they
//     are normalised into an [App] (cleaned relative paths, sorted env,
//     sizes in bytes);
//   - generic validation that needs nothing but the file itself: required
//     keys, value ranges, paths that must stay inside the build context,
//     numeric user IDs, unknown keys with "did you mean" suggestions;
//   - source positions (line:col ranges for every key, array element and
//     table) and the error type that carries them, [Error], which later
//     checks reuse through [Errorf] and [Join].
//
// It must not know about:
//
//   - LLB, the BuildKit gateway client, images or the build context
//     contents (whether a path exists is checked by callers, which report it
//     with [Errorf]);
//   - language- or preset-specific rules. The valid language and preset
//     names come from the caller through [Options]; anything beyond
//     membership in those lists (default versions, which files a language
//     needs, what a preset installs) belongs to the preset registry.
//
// Parse never panics and reports every problem it finds at once, in line
// order, so a user can fix a whole file in one round trip.
package descriptor
