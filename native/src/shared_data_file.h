// One read-only mapping per .pte/.ptd file per process, shared by every program
// that names the file. ExecuTorch's MmapDataLoader maps each region it is
// asked for separately, so N programs over one foundation count its pages N
// times in RSS, and a region's munmap on Free() pulls the bytes from under
// XNNPACK, which keeps pointers to static operands it does not pack (see
// README "Native runtime"). Here every region points into one whole-file
// mapping and Free() does nothing: the bytes stay mapped until the last
// program using the file is closed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <executorch/runtime/core/data_loader.h>

namespace pte_native {

class SharedDataFile final : public executorch::runtime::DataLoader {
 public:
  /**
   * The mapping of `path`, shared with every open program that names the same
   * file (same device, inode, size and modification time); mapped if none is
   * open. Fails with the runtime's AccessFailed and a logged reason.
   */
  static executorch::runtime::Result<std::shared_ptr<SharedDataFile>> open(const std::string& path);

  /** The files mapped now (for tests and diagnostics). */
  struct OpenFile {
    std::string path;
    size_t bytes;
    long users;
  };
  static std::vector<OpenFile> open_files();

  ~SharedDataFile() override;
  SharedDataFile(const SharedDataFile&) = delete;
  SharedDataFile& operator=(const SharedDataFile&) = delete;

  executorch::runtime::Result<executorch::runtime::FreeableBuffer> load(
      size_t offset, size_t size, const executorch::runtime::DataLoader::SegmentInfo& segment_info) const override;
  executorch::runtime::Error load_into(size_t offset, size_t size,
                                       const executorch::runtime::DataLoader::SegmentInfo& segment_info,
                                       void* buffer) const override;
  executorch::runtime::Result<size_t> size() const override { return size_; }

 private:
  SharedDataFile(std::string path, const uint8_t* data, size_t size) : path_(std::move(path)), data_(data), size_(size) {}
  bool in_bounds(size_t offset, size_t size) const;

  std::string path_;
  const uint8_t* data_;  // nullptr for an empty file
  size_t size_;
};

}  // namespace pte_native
