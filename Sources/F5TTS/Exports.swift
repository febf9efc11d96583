// The public API re-exports the pieces a program embedding the runtime needs.
@_exported import F5Audio
@_exported import F5Bundle
@_exported import F5Compute
@_exported import F5Model
@_exported import F5Text
