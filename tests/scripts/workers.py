"""Worker processes: per-worker seeding and order, printed like PyTorch prints them."""

import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset, get_worker_info


class Noisy(Dataset):
    def __len__(self):
        return 12

    def __getitem__(self, i):
        return torch.tensor([float(i)]), torch.rand(1), get_worker_info().id


class Stream(IterableDataset):
    def __iter__(self):
        info = get_worker_info()
        return iter(range(info.id, 10, info.num_workers))


if __name__ == "__main__":
    torch.manual_seed(7)
    for x, noise, wid in DataLoader(Noisy(), batch_size=4, shuffle=True, num_workers=2):
        print(x.view(-1).tolist(), noise.view(-1), wid.tolist())
    print([b.tolist() for b in DataLoader(Stream(), batch_size=3, num_workers=2)])
    print(torch.rand(2))
