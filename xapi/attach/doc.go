// Package attach implements the attachment and signed-statement rules of
// xAPI 1.0.3 and IEEE 9274.1.1 (xAPI 2.0.0) on raw bytes and header values.
// It has no HTTP or storage code of its own.
//
// To store statements sent as multipart/mixed, an LRS handler:
//
//  1. calls [ReadMixed] with the request's Content-Type and body, which
//     returns the statements JSON and the attachment parts;
//  2. decodes and validates the statements, then calls [Match] with
//     the [Declarations] of every statement in the batch and the parts;
//  3. calls [VerifySigned] on each statement, which checks any
//     signature attachment with [VerifySignature].
//
// A statements request sent as application/json has no parts: the handler
// skips step 1 and calls Match and VerifySigned with nil parts, so an
// attachment with no fileUrl, or any signature, is rejected.
//
// [WriteMixed] writes the multipart/mixed answer to
// GET /statements?attachments=true.
//
// Every rejection caused by the client's request is an [*Error], which the
// LRS reports as 400 Bad Request.
package attach
