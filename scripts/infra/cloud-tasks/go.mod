// Wrapper module that pins the Cloud Tasks emulator for scripts/infra/cloud-tasks/cloud-tasks.sh.
// Not part of the product. To bump: change the version below, run `go mod tidy` here, update the ADR 0101.
module vigilo.dev/infra/cloud-tasks-emulator

go 1.24

tool github.com/aertje/cloud-tasks-emulator

require (
	github.com/aertje/cloud-tasks-emulator v1.2.0 // indirect
	github.com/golang-jwt/jwt v3.2.1+incompatible // indirect
	github.com/golang/protobuf v1.3.2 // indirect
	golang.org/x/net v0.0.0-20200226121028-0de0cce0169b // indirect
	golang.org/x/sys v0.0.0-20190624142023-c5567b49c5d0 // indirect
	golang.org/x/text v0.3.2 // indirect
	google.golang.org/genproto v0.0.0-20191115221424-83cc0476cb11 // indirect
	google.golang.org/grpc v1.25.1 // indirect
)
