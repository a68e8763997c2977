module github.com/attachkit/attachments

go 1.26

require (
	github.com/google/uuid v1.6.0
	github.com/h2non/filetype v1.1.3
)
