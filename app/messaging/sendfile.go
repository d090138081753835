package messaging

import (
	"context"

	"github.com/outpostchat/outpost/app/model"
)

// FileParts are what a file message carries besides SendInput: the file and files
// (Rocket.Chat's FileProp list, the file itself first, then variants such as a
// thumbnail) and InTx, run inside the message's transaction (the uploads service
// confirms its upload there, so the message and the upload change together).
type FileParts struct {
	File  model.FileRef
	Files []model.FileRef
	InTx  func(ctx context.Context) error
}

// apply sets a file message's fields: file, files and groupable false, as
// Rocket.Chat's sendFileMessage does.
func (fp *FileParts) apply(m *model.Message) {
	f := fp.File
	m.File = &f
	m.Files = fp.Files
	if len(m.Files) == 0 {
		m.Files = []model.FileRef{f}
	}
	no := false
	m.Groupable = &no
}

// SendFile sends a file message from the actor, as Rocket.Chat's sendFileMessage
// does after an upload: in is checked and written as Send does (its Attachments are
// the file's attachments, built by the uploads service), with fp's file fields, and
// fp.InTx runs in the same transaction. Only the uploads service calls it; clients
// never set file or files themselves.
func (s *Service) SendFile(ctx context.Context, actor model.Actor, in SendInput, fp FileParts) (model.Message, error) {
	in.ID, in.Ts = "", nil
	return s.send(ctx, actor, in, &fp)
}

// SetOnFilesRemoved sets the hook Delete calls, after its transaction, with the ids
// of the files (file._id and files[]._id) of a deleted message, so the uploads
// service removes their documents and blobs (Rocket.Chat's deleteMessage does the
// same through FileUpload.getStore('Uploads').deleteById).
func (s *Service) SetOnFilesRemoved(fn func(ctx context.Context, ids []string)) {
	s.onFilesRemoved = fn
}

// fileIDs lists the ids of a message's files, each once.
func fileIDs(m model.Message) []string {
	var ids []string
	if m.File != nil && m.File.ID != "" {
		ids = append(ids, m.File.ID)
	}
	for _, f := range m.Files {
		if f.ID != "" {
			ids = append(ids, f.ID)
		}
	}
	return dedupe(ids)
}
