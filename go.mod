module github.com/attachkit/attachments

go 1.26

require (
	github.com/google/uuid v1.6.0
	github.com/h2non/filetype v1.1.3
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	github.com/stretchr/testify v1.11.1
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
