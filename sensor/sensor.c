/* Placeholder: dias-sensor's main is being written. */
int	main(void);

int
main(void)
{
	return 0;
}
