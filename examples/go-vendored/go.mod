module example.com/go-vendored

go 1.24

require corp.example.internal/greeting v1.3.0
