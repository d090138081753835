package uploads

import (
	"context"
	"errors"
	"image"
	"io"
	"math"

	"github.com/outpostchat/outpost/app/uploads/imaging"
)

// previewSource is the size an image is reduced to before its 32-pixel preview is
// made: decoding the whole picture again for the preview would cost as much as the
// thumbnail (Rocket.Chat's thumbnails are 480×360 by default).
const previewSource = 480

// DescribeImage is the Imager built on package imaging: the image's format and the
// size it is shown at (EXIF orientation applied), and Rocket.Chat's image_preview. An
// image too large to decode safely keeps its identify from the header and gets no
// preview.
func DescribeImage(_ context.Context, _ Upload, open func() (io.ReadCloser, error)) (ImageInfo, error) {
	img, info, err := thumbnail(open)
	if errors.Is(err, imaging.ErrTooLarge) {
		if info, err = identify(open); err != nil {
			return ImageInfo{}, err
		}
		return ImageInfo{Identify: identifyOf(info)}, nil
	}
	if err != nil {
		return ImageInfo{}, err
	}
	out := ImageInfo{Identify: identifyOf(info)}
	if out.Preview, err = imaging.Preview(img); err != nil {
		return ImageInfo{}, err
	}
	return out, nil
}

func identifyOf(info imaging.Info) *Identify {
	w, h := info.Dimensions()
	return &Identify{Format: info.Format, Size: &Dimension{Width: w, Height: h}}
}

func thumbnail(open func() (io.ReadCloser, error)) (image.Image, imaging.Info, error) {
	r, err := open()
	if err != nil {
		return nil, imaging.Info{}, err
	}
	defer r.Close()
	return imaging.Thumbnail(r, previewSource, previewSource)
}

func identify(open func() (io.ReadCloser, error)) (imaging.Info, error) {
	r, err := open()
	if err != nil {
		return imaging.Info{}, err
	}
	defer r.Close()
	// Only the header is read, so no pixel limit is needed to stay safe.
	return imaging.Decoder{MaxPixels: math.MaxInt}.Identify(r)
}
