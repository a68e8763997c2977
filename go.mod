module github.com/attachkit/attachments

go 1.26

require (
	github.com/google/uuid v1.6.0 // indirect
	github.com/h2non/filetype v1.1.3 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
)
