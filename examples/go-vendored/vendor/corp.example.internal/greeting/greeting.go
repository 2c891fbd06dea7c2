// Package greeting stands for a module only a company's own server
// serves: no module proxy has it, so the app vendors it.
package greeting

// Version is the module's release.
const Version = "v1.3.0"

// For returns the greeting of a service.
func For(service string) string {
	return "[" + service + "] greeted by the internal greeting module " + Version
}
